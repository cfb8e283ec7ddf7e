import { createApi } from './api.js';
import { retrying } from './backoff.js';
import { createConversation } from './conversation.js';
import { isTransient } from './http.js';
import { createLive } from './live.js';
import { createOutbox } from './outbox.js';
import { createSession, type SessionRefused, type SessionTrouble } from './session.js';
import { storageKeys, webStore } from './storage.js';
import { createSync } from './sync.js';
import type { Message, MountOptions, WidgetHandle } from './types.js';
import { createView } from './view.js';

const REFUSED_HERE = 'This chat cannot connect here';

/** Replies get a delivered receipt once they reach the browser, read once seen; the end user's own do not. */
const isReply = (m: Message) => m.role === 'ASSISTANT' || m.role === 'AGENT';

/**
 * Puts a chat widget on the page and wires its parts: the session (tokens), REST (history, sends
 * through the outbox), the socket (live events) and the view. The session starts when the panel is
 * first opened, or at once for a visitor who has chatted before (replies reach them while it is closed).
 */
export function mount(options: MountOptions): WidgetHandle {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const { chatbotId } = options;
  const controller = new AbortController();
  const { signal } = controller;
  const acknowledged = new Set<string>();
  let started = false;
  let socketDown = false;
  let sessionDown: SessionTrouble = false;
  let refused: SessionRefused | undefined;
  let frame = 0;

  const view = createView({
    container: options.container ?? document.body,
    onOpen: () => void start(),
    onSend: send,
    onTop: () => void sync.older(),
    onRead: (id) => live.read(id),
  });
  const conversation = createConversation(() => {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      view.render(conversation.entries(), conversation.state.typing);
    });
  });

  /** Why this page gets no session: the server refused it, or CORS keeps it from reading the API. */
  function errorText(): string | undefined {
    if (refused) return refused.status === 403 ? REFUSED_HERE : `This chat cannot start: ${refused.detail}`;
    return sessionDown === 'blocked' ? REFUSED_HERE : undefined;
  }

  function banners() {
    const error = errorText();
    view.banners({ error, offline: !error && (!navigator.onLine || sessionDown === 'offline' || socketDown) });
  }

  const session = createSession({
    baseUrl,
    chatbotId,
    user: options.user,
    getToken: options.getToken,
    signal,
    onTrouble: (trouble) => ((sessionDown = trouble), banners()),
    onRefused: (error) => ((refused = error), banners()),
  });
  const api = createApi({ baseUrl, session, signal });

  /** Confirms each new reply's delivery once (the server ignores a repeat, but there is no need to send one). */
  function received(messages: Message[]) {
    for (const m of messages) {
      if (!isReply(m) || acknowledged.has(m.id)) continue;
      acknowledged.add(m.id);
      if (m.deliveryStatus === 'PENDING' || m.deliveryStatus === 'SENT') live.delivered(m.id);
    }
  }

  const sync = createSync({ api, conversation, signal, onNew: received });
  const live = createLive({
    baseUrl,
    session,
    signal,
    handlers: {
      message(m) {
        const highest = conversation.highestSeq();
        if (!conversation.upsert(m)) return;
        received([m]);
        if (isReply(m)) view.markUnread();
        if (m.conversationId === conversation.id() && m.seq > highest + 1) void sync.catchUp(); // one went missing
      },
      status: (event) => conversation.messageStatus(event),
      delta: (event) => conversation.delta(event),
      typing: (event) => conversation.typing(event.conversationId, event.isTyping),
      conversationStatus: (event) => conversation.conversationStatus(event.conversationId, event.status),
      resynced: () => void sync.catchUp(),
      state: (up) => ((socketDown = !up), banners()),
    },
  });

  const outbox = createOutbox({
    chatbotId,
    api,
    signal,
    onAccepted(item, data) {
      if (data.conversation.id !== conversation.id()) {
        conversation.switchTo(data.conversation); // the first message, or the first after a close
        live.follow(data.conversation.id);
      }
      conversation.upsert(data.message);
      conversation.localDone(item.key);
    },
    onFailed: (item, reason) => conversation.localFailed(item.key, reason),
  });

  /** Session, the current conversation and its newest page, then the socket; once. */
  async function start() {
    if (started) return;
    started = true;
    try {
      await session.token();
      outbox.drain();
      const current = await retrying(() => api.currentConversation(), signal, isTransient).catch(() => undefined);
      if (current && !conversation.id()) {
        conversation.switchTo(current);
        live.follow(current.id);
      }
      await sync.catchUp();
      await live.start();
    } catch {
      // Refused (the banner says so) or destroyed.
    }
  }

  function send(text: string) {
    const item = outbox.add(text);
    conversation.addLocal(item.key, item.content);
    outbox.drain();
    void start();
  }

  for (const item of outbox.pending()) conversation.addLocal(item.key, item.content);
  window.addEventListener('online', banners, { signal });
  window.addEventListener('offline', banners, { signal });
  banners();
  const returning = webStore('localStorage').get(storageKeys(chatbotId).visitor) !== null;
  if (outbox.pending().length > 0 || returning || options.user || options.getToken) void start();

  return {
    open: view.open,
    close: view.close,
    destroy() {
      controller.abort();
      cancelAnimationFrame(frame);
      view.destroy();
    },
  };
}
