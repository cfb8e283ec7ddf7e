import { io, type Socket } from 'socket.io-client';
import { pause, retryDelay } from './backoff.js';
import type { Session } from './session.js';
import type {
  Ack,
  ClientEvents,
  ConversationStatusEvent,
  DeltaEvent,
  Message,
  ServerEvents,
  StatusEvent,
  TypingEvent,
} from './types.js';

export interface LiveHandlers {
  message: (message: Message) => void;
  status: (event: StatusEvent) => void;
  delta: (event: DeltaEvent) => void;
  typing: (event: TypingEvent) => void;
  conversationStatus: (event: ConversationStatusEvent) => void;
  /** Subscribed again after a connection that lost its state (or woke up): time to catch up with `?after=`. */
  resynced: () => void;
  /** The socket is connected (true) or not (the offline banner). */
  state: (up: boolean) => void;
}

export type Live = ReturnType<typeof createLive>;

/**
 * The Socket.IO connection to /messages: authenticates with the current widget token, renews it when
 * the server says it expired, subscribes to the conversation again after every connection that
 * could not be recovered, and reconnects when the page becomes visible or the network returns.
 */
export function createLive(options: {
  baseUrl: string;
  session: Session;
  signal: AbortSignal;
  handlers: LiveHandlers;
}) {
  const { session, signal, handlers } = options;
  let conversationId: string | undefined;
  let handshakeToken: string | undefined;
  let refusals = 0;
  let started = false;

  const socket: Socket<ServerEvents, ClientEvents> = io(`${options.baseUrl}/messages`, {
    // A function, so every reconnection presents the newest token.
    auth: (cb) => cb({ token: (handshakeToken = session.current()) }),
    transports: ['websocket'],
    autoConnect: false,
  });

  /** Connects unless connected or already trying (a second CONNECT would open a second socket). */
  const ensureConnected = () => {
    if (started && !signal.aborted && !socket.connected && !socket.active) socket.connect();
  };

  /** Subscribes to the conversation, retrying a fault or a rate limit; false when the server says no for good. */
  async function subscribeTo(id: string): Promise<boolean> {
    for (let attempt = 0; socket.connected && id === conversationId && !signal.aborted; attempt++) {
      const ack = (await socket
        .timeout(10_000)
        .emitWithAck('subscribe', { conversationId: id })
        .catch(() => undefined)) as Ack | undefined;
      if (ack?.ok) return true;
      if (ack && ack.error.code !== 'internal' && ack.error.code !== 'rate_limited') return false;
      await pause(ack?.error.code === 'rate_limited' ? ack.error.retryAfter * 1000 : retryDelay(attempt), signal);
    }
    return false;
  }

  async function resync() {
    if (conversationId) await subscribeTo(conversationId);
    handlers.resynced();
  }

  /** The server turned the handshake down (a stale token, most likely): a fresh token, then again. */
  async function retryRefused() {
    const used = handshakeToken;
    await pause(retryDelay(refusals++), signal);
    try {
      await session.renew(used);
    } catch {
      return; // The page is refused: the error banner says so.
    }
    ensureConnected();
  }

  socket.on('connect', () => {
    refusals = 0;
    handlers.state(true);
  });
  socket.on('ready', ({ recovered }) => {
    if (!recovered) void resync();
  });
  socket.on('connect_error', () => {
    handlers.state(false);
    if (!socket.active) void retryRefused(); // else Socket.IO retries by itself
  });
  socket.on('disconnect', (reason) => {
    handlers.state(false);
    // The server closed it (its token expired): Socket.IO does not reconnect by itself then.
    if (reason === 'io server disconnect') void session.token().then(ensureConnected, () => undefined);
  });
  socket.on('session:expired', () => void session.renew(handshakeToken).catch(() => undefined));
  socket.on('message', handlers.message);
  socket.on('message:status', handlers.status);
  socket.on('message:delta', handlers.delta);
  socket.on('typing', handlers.typing);
  socket.on('conversation:status', handlers.conversationStatus);
  session.onRenew(ensureConnected);

  /** Back from the background or the network: connect if needed, else catch up on what a throttled tab missed. */
  const wake = () => {
    if (!started || document.visibilityState !== 'visible') return;
    if (socket.connected) handlers.resynced();
    else ensureConnected();
  };
  document.addEventListener('visibilitychange', wake, { signal });
  window.addEventListener('online', wake, { signal });
  signal.addEventListener('abort', () => socket.disconnect());

  return {
    /** Connects once a token is there (the handshake cannot wait for one). */
    async start() {
      await session.token();
      started = true;
      ensureConnected();
    },
    /** Follows this conversation from now on (the first send created it, or a closed one was replaced). */
    follow(id: string) {
      if (id === conversationId) return;
      conversationId = id;
      if (socket.connected) void resync();
    },
    /** Tells the server the end user has seen a message (buffered while disconnected). */
    read: (messageId: string) => void socket.emit('message:read', { messageId }),
    /** Tells the server a message reached this browser. */
    delivered: (messageId: string) => void socket.emit('message:delivered', { messageId }),
  };
}
