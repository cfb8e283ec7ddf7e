/**
 * Groups streamed tokens into fewer `message:delta` events: a fast model produces hundreds of
 * tokens a second, and one packet per token costs more than it shows.
 */
export function createDeltaBatcher(emit: (index: number, text: string) => void, intervalMs = 40) {
  let buffer = '';
  let index = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!buffer) return;
    emit(index++, buffer);
    buffer = '';
  };

  return {
    push(text: string) {
      const first = index === 0 && !buffer;
      buffer += text;
      // The first piece goes out at once: time to first token is what a user notices.
      if (first) flush();
      else timer ??= setTimeout(flush, intervalMs);
    },
    flush,
  };
}
