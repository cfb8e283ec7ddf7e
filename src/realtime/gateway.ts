import type { MikroORM } from '@mikro-orm/postgresql';
import { Server, type ServerOptions } from 'socket.io';
import { ZodError } from 'zod';
import { verifyToken } from '../auth/tokens.js';
import { AppError, TooManyRequests } from '../errors.js';
import type { OriginPolicy } from '../http/cors.js';
import { isSameOrigin } from '../lib/origin.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { Logger } from '../logger.js';
import type { StatusChanges } from '../lifecycle/statuses.js';
import type { Metrics } from '../observability/metrics.js';
import { clientEvents, type ClientSocket } from './client-events.js';
import {
  NAMESPACE,
  type Ack,
  type AckCallback,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface GatewayDeps {
  orm: MikroORM;
  jwtSecret: string;
  logger: Logger;
  /** Events per connection: over the limit an event is not handled and its ack says `rate_limited`. */
  limits: Pick<RateLimits, 'consumeSocketEvent'>;
  /** receiveDelivered / receiveRead (src/lifecycle): a client's confirmations. */
  receipt: StatusChanges['receive'];
  /** Counts the connected sockets (a gauge read at each scrape). */
  metrics: Pick<Metrics, 'probe' | 'socketsConnected'>;
  /** From a page on another site, a widget token connects only where its chatbot allows that site. */
  origins: OriginPolicy;
}

/**
 * The process's Socket.IO server, attached to the API's HTTP server by the API role (a worker's
 * stays headless: it only publishes). `adapter` shares rooms and events with other processes.
 * Connection state recovery lets a briefly disconnected client get the events it missed, rooms
 * included. Its HTTP long-polling answers CORS like the API: only the sites some chatbot's widget
 * allows, or CORS_ORIGINS (the handshake then checks the token's own chatbot).
 */
export function createIoServer(origins: OriginPolicy, adapter?: ServerOptions['adapter']): IoServer {
  return new Server({
    serveClient: false,
    cors: {
      origin: (origin, callback) => {
        if (!origin || origins.operators.has(origin)) return callback(null, Boolean(origin));
        origins.anyChatbotAllows(origin).then(
          (allowed) => callback(null, allowed),
          () => callback(null, false),
        );
      },
    },
    maxHttpBufferSize: 64 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    ...(adapter ? { adapter } : {}),
  });
}

/**
 * What clients may do on the namespace `/messages`: connect with a JWT in the handshake, subscribe
 * to the rooms of their own conversations (or, a customer, of a chatbot), and confirm what they
 * received and read.
 */
export function serveSockets(io: IoServer, deps: GatewayDeps): void {
  const nsp = io.of(NAMESPACE);
  // Its HTTP answers (long-polling) say what they are, like the API's.
  (io as { engine?: IoServer['engine'] }).engine?.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
  });
  deps.metrics.probe(() => deps.metrics.socketsConnected.set(nsp.sockets.size), deps.metrics.socketsConnected);

  nsp.on('connection', (socket) => {
    endAtExpiry(socket);
    const handle = (event: keyof ClientToServerEvents, run: (payload: unknown) => Promise<unknown>) =>
      socket.on(event, async (payload: unknown, ack?: AckCallback) => {
        const reply = typeof ack === 'function' ? ack : () => undefined;
        try {
          await deps.limits.consumeSocketEvent(socket.id);
          reply({ ok: true, data: await run(payload) });
        } catch (err) {
          reply(toAckError(err, deps.logger));
        }
      });

    for (const [event, run] of Object.entries(clientEvents(socket, deps))) {
      handle(event as keyof ClientToServerEvents, run);
    }

    // Recovery replays only to a client holding an offset, and only broadcasts carry one: send
    // `ready` through the adapter (to the socket's own room) so every client has an offset at once.
    nsp.to(socket.id).emit('ready', { recovered: socket.recovered });
  });

  // Who may connect: a valid token (its caller is the socket's for its whole life). Socket.IO runs
  // this before the connection above, whatever the order they are registered in.
  nsp.use((socket, next) => {
    let verified: ReturnType<typeof verifyToken>;
    try {
      verified = verifyToken(socket.handshake.auth?.token, deps.jwtSecret);
    } catch {
      return next(new Error('unauthorized'));
    }
    const { caller, expiresAt } = verified;
    socket.data.customerId = caller.customerId;
    socket.data.widget = caller.widget;
    socket.data.expiresAt = expiresAt;
    const { origin, host } = socket.handshake.headers;
    if (!origin || isSameOrigin(origin, host) || deps.origins.operators.has(origin)) return next();
    const allowed = caller.widget
      ? deps.origins.chatbotAllows(caller.widget.chatbotId, origin)
      : Promise.resolve(false);
    allowed.then(
      (ok) => next(ok ? undefined : new Error('origin not allowed')),
      (err: unknown) => {
        deps.logger.warn({ err: String(err) }, 'a socket’s origin could not be checked');
        next(new Error('unavailable'));
      },
    );
  });
}

/** setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A socket lives no longer than its token: at `exp` it is told (`session:expired`) and
 * disconnected; the client reconnects with a fresh token and catches up with `?after=`.
 */
function endAtExpiry(socket: ClientSocket): void {
  const expiresAt = socket.data.expiresAt;
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const left = expiresAt - Date.now();
    if (left > 0) {
      timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
      return;
    }
    socket.emit('session:expired', { expiredAt: new Date(expiresAt).toISOString() });
    socket.disconnect(true);
  };
  check();
  socket.on('disconnect', () => clearTimeout(timer));
}

function toAckError(err: unknown, logger: Logger): Ack {
  if (err instanceof ZodError)
    return {
      ok: false,
      error: {
        code: 'invalid',
        message: err.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; '),
      },
    };
  if (err instanceof AppError && err.status === 404)
    return { ok: false, error: { code: 'not_found', message: err.message } };
  if (err instanceof AppError && err.status === 403)
    return { ok: false, error: { code: 'forbidden', message: err.message } };
  if (err instanceof TooManyRequests)
    return { ok: false, error: { code: 'rate_limited', message: err.message, retryAfter: err.retryAfterSeconds } };
  logger.error({ err }, 'socket handler failed');
  return { ok: false, error: { code: 'internal', message: 'The request could not be handled' } };
}

/**
 * Closes a Socket.IO server and its adapters. A headless server (a worker's) has no engine, which
 * io.close() would call after closing the adapters and fail on asynchronously: close those alone.
 */
export async function closeIo(io: IoServer): Promise<void> {
  if (!(io as { engine?: unknown }).engine) {
    await Promise.allSettled([io.of('/'), io.of(NAMESPACE)].map(async (nsp) => nsp.adapter.close()));
    return;
  }
  await io.close().catch(() => undefined);
}
