/**
 * Web Storage that never throws: private modes, sandboxed iframes and full quotas refuse it, and
 * the widget must still work (it then only forgets across reloads).
 */
export interface Store {
  get(key: string): string | null;
  set(key: string, value: string | null): void;
}

/** One of window.localStorage / window.sessionStorage, or a no-op when the browser refuses it. */
export function webStore(kind: 'localStorage' | 'sessionStorage'): Store {
  const storage = (): Storage | null => {
    try {
      return window[kind];
    } catch {
      return null;
    }
  };
  return {
    get(key) {
      try {
        return storage()?.getItem(key) ?? null;
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) storage()?.removeItem(key);
        else storage()?.setItem(key, value);
      } catch {
        // Full or refused: the value lives only as long as the page.
      }
    },
  };
}

/** The storage keys, per chatbot: a site can embed two bots without them sharing a visitor. */
export const storageKeys = (chatbotId: string) => ({
  visitor: `chatflow:${chatbotId}:visitor`,
  outbox: `chatflow:${chatbotId}:outbox`,
});
