import { io, type Socket } from 'socket.io-client';
import { apiClient, type Api } from '../../test/support/harness.js';

export interface Watcher {
  socket: Socket;
  subscribe(conversationId: string): Promise<void>;
  /**
   * Resolves with an assistant message of the conversation after `afterSeq` and its arrival time,
   * also when it arrived before the call (a reply can beat the 202 to a busy client).
   */
  nextReply(conversationId: string, afterSeq: number): Promise<{ at: number; message: any }>;
  /** Resolves when the message's status becomes `status` (its flow's last visible step for SENT). */
  statusReached(messageId: string, status: string): Promise<void>;
  onEvent(listener: (event: string, payload: any, at: number) => void): void;
  close(): void;
}

/** A socket.io-client that tracks replies per conversation. */
export async function watch(url: string, token: string): Promise<Watcher> {
  const socket = io(`${url}/messages`, { auth: { token }, transports: ['websocket'] });
  const waiting = new Map<string, { afterSeq: number; resolve: (v: { at: number; message: any }) => void }[]>();
  const listeners: ((event: string, payload: any, at: number) => void)[] = [];
  const statuses = new Map<string, Set<string>>();
  const statusWaiters: { messageId: string; status: string; resolve: () => void }[] = [];
  const latestReply = new Map<string, { at: number; message: any }>();
  socket.onAny((event, payload) => {
    const at = performance.now();
    for (const l of listeners) l(event, payload, at);
    if (event === 'message:status') {
      const seen = statuses.get(payload.messageId) ?? new Set<string>();
      seen.add(payload.status);
      statuses.set(payload.messageId, seen);
      for (const w of statusWaiters.filter((w) => w.messageId === payload.messageId && w.status === payload.status)) {
        statusWaiters.splice(statusWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
    if (event !== 'message' || payload.role !== 'ASSISTANT') return;
    if (payload.seq > (latestReply.get(payload.conversationId)?.message.seq ?? 0))
      latestReply.set(payload.conversationId, { at, message: payload });
    const list = waiting.get(payload.conversationId) ?? [];
    for (const w of list.filter((w) => payload.seq > w.afterSeq)) {
      w.resolve({ at, message: payload });
      list.splice(list.indexOf(w), 1);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    socket,
    async subscribe(conversationId) {
      const ack = await socket.timeout(10_000).emitWithAck('subscribe', { conversationId });
      if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack)}`);
    },
    nextReply: (conversationId, afterSeq) =>
      new Promise((resolve) => {
        const latest = latestReply.get(conversationId);
        if (latest && latest.message.seq > afterSeq) return resolve(latest);
        const list = waiting.get(conversationId) ?? [];
        list.push({ afterSeq, resolve });
        waiting.set(conversationId, list);
      }),
    statusReached: (messageId, status) =>
      statuses.get(messageId)?.has(status)
        ? Promise.resolve()
        : new Promise((resolve) => statusWaiters.push({ messageId, status, resolve })),
    onEvent: (listener) => listeners.push(listener),
    close: () => socket.close(),
  };
}

/** POST /messages/send; returns the 202 body's data, with the request's own timing. */
export async function send(
  api: Api,
  body: Record<string, unknown>,
): Promise<{ ms: number; startedAt: number; message: any; conversation: any }> {
  const startedAt = performance.now();
  const res = await api('POST', '/messages/send', { body });
  const ms = performance.now() - startedAt;
  if (res.status !== 202) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return { ms, startedAt, message: res.body.data.message, conversation: res.body.data.conversation };
}

export { apiClient, type Api };
