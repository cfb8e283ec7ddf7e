import type { Api } from './api.js';
import { delayFor, pause, uuid } from './backoff.js';
import { HttpError, isTransient } from './http.js';
import { SessionRefused } from './session.js';
import { storageKeys, webStore } from './storage.js';
import type { Conversation, Message } from './types.js';

export interface OutboxItem {
  /** The Idempotency-Key, made once when the message was typed: every retry and reload sends the same one. */
  key: string;
  content: string;
}

export interface OutboxOptions {
  chatbotId: string;
  api: Api;
  signal: AbortSignal;
  onAccepted: (item: OutboxItem, data: { message: Message; conversation: Conversation }) => void;
  onFailed: (item: OutboxItem, reason: string) => void;
}

export type Outbox = ReturnType<typeof createOutbox>;

function restore(raw: string | null): OutboxItem[] {
  try {
    const items: unknown = JSON.parse(raw ?? '[]');
    if (!Array.isArray(items)) return [];
    return items.filter((i: Partial<OutboxItem> | null): i is OutboxItem => {
      return typeof i?.key === 'string' && typeof i.content === 'string';
    });
  } catch {
    return [];
  }
}

/**
 * The messages typed and not yet accepted, sent one at a time in the order typed. A send that may
 * have been lost (no answer, 5xx, 429, 409 in flight) is sent again with the same key, forever while
 * the page lives, so it is never lost nor doubled; the list survives a reload in sessionStorage.
 */
export function createOutbox(options: OutboxOptions) {
  const { api, signal } = options;
  const store = webStore('sessionStorage');
  const storageKey = storageKeys(options.chatbotId).outbox;
  const items = restore(store.get(storageKey));
  let running = false;

  const persist = () => store.set(storageKey, items.length ? JSON.stringify(items) : null);

  /** Sends one item until the server takes it or refuses it for good; throws when the page lost its session. */
  async function deliver(item: OutboxItem) {
    for (let attempt = 0; ; attempt++) {
      try {
        const { data } = await api.send(item.content, item.key);
        return options.onAccepted(item, data);
      } catch (error) {
        if (signal.aborted || error instanceof SessionRefused) throw error;
        const again = isTransient(error) || (error instanceof HttpError && error.status === 401);
        if (!again) {
          const reason = error instanceof HttpError ? error.detail : 'could not be sent';
          return options.onFailed(item, reason);
        }
        await pause(delayFor(error, attempt), signal);
      }
    }
  }

  async function drain() {
    if (running) return;
    running = true;
    try {
      while (items[0] && !signal.aborted) {
        await deliver(items[0]);
        items.shift();
        persist();
      }
    } catch {
      // Destroyed, or the session was refused (the banner says so): what is left stays "sending…".
    } finally {
      running = false;
    }
  }

  return {
    /** What a reload left unsent, to show as "sending…" again. */
    pending: (): readonly OutboxItem[] => items,
    /** Queues a typed message and sends it after those before it. */
    add(content: string): OutboxItem {
      const item = { key: uuid(), content };
      items.push(item);
      persist();
      return item;
    },
    /** Sends what is queued (again, after a refusal was lifted or a restore). */
    drain: () => void drain(),
  };
}
