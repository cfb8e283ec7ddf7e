/**
 * Read receipts: a reply counts as read once half of it (or a screenful) has been on screen in the
 * open panel of a visible page; each is reported once.
 */
export function createReceipts(options: { root: HTMLElement; isActive(): boolean; onRead(messageId: string): void }) {
  const reported = new Set<string>();
  const watched = new Set<Element>();

  const observer = new IntersectionObserver(
    (records) => {
      for (const record of records) {
        const seen = record.intersectionRatio >= 0.5 || record.intersectionRect.height >= options.root.clientHeight / 2;
        if (record.isIntersecting && seen) report(record.target as HTMLElement);
      }
    },
    { root: options.root, threshold: [0, 0.5, 1] },
  );

  function report(node: HTMLElement) {
    const id = node.dataset.unread;
    if (!id || !options.isActive()) return;
    observer.unobserve(node);
    watched.delete(node);
    if (reported.has(id)) return;
    reported.add(id);
    options.onRead(id);
  }

  return {
    /** Watches a row while it is an unread reply. */
    track: (node: HTMLElement) => {
      const id = node.dataset.unread;
      if (id && !reported.has(id) && !watched.has(node)) {
        watched.add(node);
        observer.observe(node);
      } else if (!id && watched.delete(node)) observer.unobserve(node);
    },
    /** The panel opened or the page became visible: what is on screen now counts (the observer only reports changes). */
    recheck: () => {
      for (const node of watched) {
        observer.unobserve(node);
        observer.observe(node);
      }
    },
    disconnect: () => observer.disconnect(),
  };
}
