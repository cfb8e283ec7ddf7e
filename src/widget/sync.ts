import { NEWEST, type Api } from './api.js';
import { retrying } from './backoff.js';
import type { createConversation } from './conversation.js';
import { isTransient } from './http.js';
import type { Message } from './types.js';

type ConversationState = ReturnType<typeof createConversation>;

const PAGE = 30;
const CATCH_UP_PAGE = 100;

/**
 * Fetches history over REST: the newest page when a conversation is first shown, everything after
 * the highest seq after a reconnect (one run at a time, rerun when asked meanwhile), and the older
 * page when the end user scrolls to the top.
 */
export function createSync(options: {
  api: Api;
  conversation: ConversationState;
  signal: AbortSignal;
  /** Messages seen here for the first time (their delivery is acknowledged). */
  onNew: (messages: Message[]) => void;
}) {
  const { api, conversation, signal } = options;
  let loaded: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let loadingOlder = false;

  const attempt = <T>(fn: () => Promise<T>) => retrying(fn, signal, isTransient);

  async function run(id: string) {
    if (loaded !== id) {
      const page = await attempt(() => api.page(id, { before: NEWEST }, PAGE));
      if (conversation.id() !== id) return;
      options.onNew(conversation.page(page.data, page.meta.hasMore ?? false));
      loaded = id;
    }
    for (;;) {
      const page = await attempt(() => api.page(id, { after: conversation.highestSeq() }, CATCH_UP_PAGE));
      if (conversation.id() !== id) return;
      options.onNew(conversation.page(page.data));
      if (!page.meta.hasMore || page.data.length === 0) return;
    }
  }

  return {
    /** Brings the log up to date with the server (first the newest page, if not shown yet). */
    catchUp(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          const id = conversation.id();
          if (id) await run(id).catch(() => undefined);
        } while (again && !signal.aborted);
      })().finally(() => (running = undefined));
      return running;
    },

    /** The page before the oldest shown message, while there is one. */
    async older() {
      const id = conversation.id();
      const lowest = conversation.lowestSeq();
      if (loadingOlder || !id || lowest === undefined || !conversation.state.hasMore) return;
      loadingOlder = true;
      try {
        const page = await api.page(id, { before: lowest }, PAGE);
        if (conversation.id() === id) options.onNew(conversation.page(page.data, page.meta.hasMore ?? false));
      } catch {
        // The next scroll to the top tries again.
      } finally {
        loadingOlder = false;
      }
    },
  };
}
