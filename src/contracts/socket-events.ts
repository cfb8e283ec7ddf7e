import { z } from 'zod';
import { CONVERSATION_STATUSES } from '../model/conversation.entity.js';
import { DELIVERY_STATUSES } from '../model/message.entity.js';
import { messageSchema, timestampSchema } from './resources.js';

/**
 * The Socket.IO protocol, written once: every event's payload as a zod schema. The server's types
 * (src/realtime/events.ts, src/lifecycle/ports.ts), the browser widget's types (src/widget), the
 * client-event parsing and the AsyncAPI document (/asyncapi.json) all come from here, and the
 * tests check every event the server emits against it.
 */

/** The namespace clients connect to, with `auth: { token }` (a customer's or a widget token). */
export const NAMESPACE = '/messages';

const uuid = z.uuid();

export const messageStatusEventSchema = z
  .strictObject({ messageId: uuid, conversationId: uuid, status: z.enum(DELIVERY_STATUSES) })
  .meta({ id: 'MessageStatusEvent', description: 'A message’s status changed (each change once, never backwards).' });

export const typingEventSchema = z
  .strictObject({ conversationId: uuid, isTyping: z.boolean() })
  .meta({ id: 'TypingEvent', description: 'The bot started or stopped producing a reply in the conversation.' });

export const deltaEventSchema = z
  .strictObject({
    messageId: uuid,
    conversationId: uuid,
    attempt: z.number().int().min(1).meta({ description: 'A higher attempt replaces what an earlier one streamed.' }),
    index: z
      .number()
      .int()
      .min(0)
      .meta({ description: '0, 1, 2… within the attempt: a repeated index is a duplicate.' }),
    delta: z.string(),
  })
  .meta({
    id: 'DeltaEvent',
    description: 'A piece of a reply as it is generated; the saved reply (`message`) is final.',
  });

export const conversationStatusEventSchema = z
  .strictObject({
    conversationId: uuid,
    chatbotId: uuid,
    status: z.enum(CONVERSATION_STATUSES),
    reason: z.string(),
  })
  .meta({ id: 'ConversationStatusEvent', description: 'Handoff to a human, back to the bot, or closed, and why.' });

export const readyEventSchema = z
  .strictObject({
    recovered: z.boolean().meta({
      description:
        'true: the missed events of a short disconnection were replayed; false: catch up with `?after=<seq>`.',
    }),
  })
  .meta({ id: 'ReadyEvent', description: 'The connection is ready (sent once per connection).' });

export const sessionExpiredEventSchema = z.strictObject({ expiredAt: timestampSchema }).meta({
  id: 'SessionExpiredEvent',
  description: 'The token expired: the server disconnects; reconnect with a fresh one.',
});

/** What the server emits, by event name: to a conversation's room, a chatbot's room, or one socket. */
export const SERVER_EVENTS = {
  message: { payload: messageSchema, summary: 'A message was saved (or a reply changed); rooms: the conversation' },
  'message:status': {
    payload: messageStatusEventSchema,
    summary: 'A message’s status changed; rooms: the conversation',
  },
  'message:delta': { payload: deltaEventSchema, summary: 'A reply streams; rooms: the conversation' },
  typing: { payload: typingEventSchema, summary: 'The bot is (not) typing; rooms: the conversation' },
  'conversation:status': {
    payload: conversationStatusEventSchema,
    summary: 'A conversation’s status changed; rooms: the conversation and its chatbot',
  },
  ready: { payload: readyEventSchema, summary: 'Sent to each new connection' },
  'session:expired': { payload: sessionExpiredEventSchema, summary: 'Sent to a socket whose token expired' },
} as const;

export const subscriptionSchema = z
  .union([z.strictObject({ conversationId: uuid }), z.strictObject({ chatbotId: uuid })])
  .meta({
    id: 'Subscription',
    description:
      'A conversation’s room, or (customer tokens only) a chatbot’s: every conversation status change of it.',
  });

export const receiptSchema = z
  .strictObject({ messageId: uuid })
  .meta({ id: 'Receipt', description: 'A reply this client received (delivered) or showed (read).' });

/** What a client may emit; each takes an optional ack callback answered with an `Ack`. */
export const CLIENT_EVENTS = {
  subscribe: { payload: subscriptionSchema, summary: 'Join a room (its events start flowing)' },
  unsubscribe: { payload: subscriptionSchema, summary: 'Leave a room' },
  'message:delivered': { payload: receiptSchema, summary: 'Confirm a reply reached this client (SENT -> DELIVERED)' },
  'message:read': { payload: receiptSchema, summary: 'Confirm the user saw a reply (-> READ)' },
} as const;

const ackErrorCodes = ['invalid', 'not_found', 'forbidden', 'internal'] as const;

export const ackSchema = z
  .union([
    z.strictObject({ ok: z.literal(true), data: z.unknown().optional() }),
    z.strictObject({
      ok: z.literal(false),
      error: z.strictObject({ code: z.enum(ackErrorCodes), message: z.string() }),
    }),
    z.strictObject({
      ok: z.literal(false),
      error: z.strictObject({
        code: z.literal('rate_limited'),
        message: z.string(),
        retryAfter: z.number().int().min(1).meta({ description: 'Seconds until the connection may emit again.' }),
      }),
    }),
  ])
  .meta({ id: 'Ack', description: 'The answer to a client event: its data, or why it was not handled.' });

export type ServerEventName = keyof typeof SERVER_EVENTS;
export type ClientEventName = keyof typeof CLIENT_EVENTS;
/** Each server event's payload type. */
export type ServerEventPayloads = { [K in ServerEventName]: z.infer<(typeof SERVER_EVENTS)[K]['payload']> };
export type ClientEventPayloads = { [K in ClientEventName]: z.infer<(typeof CLIENT_EVENTS)[K]['payload']> };
export type Ack = z.infer<typeof ackSchema>;
/** A message as REST and the `message` event carry it. */
export type MessageResource = z.infer<typeof messageSchema>;
export type MessageStatusEvent = z.infer<typeof messageStatusEventSchema>;
export type TypingEvent = z.infer<typeof typingEventSchema>;
export type DeltaEvent = z.infer<typeof deltaEventSchema>;
export type ConversationStatusEvent = z.infer<typeof conversationStatusEventSchema>;
