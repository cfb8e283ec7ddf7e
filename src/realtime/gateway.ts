import type { Server as HttpServer } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { z, ZodError } from 'zod';
import { verifyToken } from '../auth/tokens.js';
import { AppError, forbidden, notFound, TooManyRequests } from '../errors.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { Logger } from '../logger.js';
import { currentStatus, type StatusChanges } from '../lifecycle/statuses.js';
import { Message } from '../model/message.entity.js';
import { findOwnedChatbot } from '../modules/chatbots/chatbot.store.js';
import { findVisibleConversation } from '../modules/conversations/conversation.store.js';
import {
  chatbotRoom,
  conversationRoom,
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
}

/**
 * The Socket.IO server on the HTTP server. `adapter` shares rooms and events with other processes
 * (worker processes publish through it). Connection state recovery lets a briefly disconnected
 * client get the events it missed, rooms included.
 */
export function createIoServer(http: HttpServer, adapter?: ServerOptions['adapter']): IoServer {
  return new Server(http, {
    cors: { origin: true },
    maxHttpBufferSize: 64 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    ...(adapter ? { adapter } : {}),
  });
}

const subscriptionPayload = z.union([
  z.strictObject({ conversationId: z.uuid() }),
  z.strictObject({ chatbotId: z.uuid() }),
]);
const messagePayload = z.object({ messageId: z.uuid() });

/**
 * What clients may do on the namespace `/messages`: connect with a JWT in the handshake, subscribe
 * to the rooms of their own conversations (or, a customer, of a chatbot), and confirm what they
 * received and read.
 */
export function serveSockets(io: IoServer, deps: GatewayDeps): void {
  const nsp = io.of(NAMESPACE);

  nsp.use((socket, next) => {
    try {
      const { caller, expiresAt } = verifyToken(socket.handshake.auth?.token, deps.jwtSecret);
      socket.data.customerId = caller.customerId;
      socket.data.widget = caller.widget;
      socket.data.expiresAt = expiresAt;
      next();
    } catch {
      next(new Error('unauthorized'));
    }
  });

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

    // A conversation's room (its messages, statuses, deltas), or a chatbot's (every conversation
    // status change of that bot: an agent dashboard learns of a handoff without polling).
    handle('subscribe', async (payload) => {
      const target = subscriptionPayload.parse(payload);
      if ('chatbotId' in target) {
        if (socket.data.widget) throw forbidden('A widget token can only subscribe to its end user’s conversations');
        await findOwnedChatbot(deps.orm.em.fork(), socket.data.customerId, target.chatbotId);
        await socket.join(chatbotRoom(target.chatbotId));
        return target;
      }
      await findVisibleConversation(deps.orm.em.fork(), socket.data, target.conversationId);
      await socket.join(conversationRoom(target.conversationId));
      return target;
    });

    handle('unsubscribe', async (payload) => {
      const target = subscriptionPayload.parse(payload);
      await socket.leave(
        'chatbotId' in target ? chatbotRoom(target.chatbotId) : conversationRoom(target.conversationId),
      );
      return target;
    });

    // A live client confirms what it received / showed (receiveDelivered, receiveRead): forward
    // only, checked in the UPDATE itself; only the call that made the change publishes it.
    const confirm = (status: 'DELIVERED' | 'READ') => async (payload: unknown) => {
      const { messageId } = messagePayload.parse(payload);
      const em = deps.orm.em.fork();
      const message = await em.findOne(Message, {
        id: messageId,
        conversation: { chatbot: { customerId: socket.data.customerId } },
      });
      if (!message) throw notFound('Message');
      if (socket.data.widget) {
        await findVisibleConversation(em, socket.data, message.conversation.id).catch(() =>
          Promise.reject(notFound('Message')),
        );
      }
      if (await deps.receipt(messageId, status)) return { messageId, status };
      return { messageId, status: await currentStatus(em, messageId) };
    };
    handle('message:delivered', confirm('DELIVERED'));
    handle('message:read', confirm('READ'));

    // Recovery replays only to a client holding an offset, and only broadcasts carry one: send
    // `ready` through the adapter (to the socket's own room) so every client has an offset at once.
    nsp.to(socket.id).emit('ready', { recovered: socket.recovered });
  });
}

/** setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A socket lives no longer than its token: at `exp` it is told (`session:expired`) and
 * disconnected; the client reconnects with a fresh token and catches up with `?after=`.
 */
function endAtExpiry(
  socket: Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>,
): void {
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
