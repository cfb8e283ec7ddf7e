import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { Caller, WidgetScope } from '../../auth/tokens.js';
import { notFound } from '../../errors.js';
import { json } from '../../http/openapi/responses.js';
import { route, type Route } from '../../http/route.js';
import { uuidParam } from '../../http/validate.js';
import { findVisibleConversation } from '../conversations/conversation.store.js';
import { conversationSchema, messageSchema, pageMetaSchema, seqCursorMetaSchema } from '../../contracts/resources.js';
import type { History } from './history.js';
import { hashRequest } from './idempotency.store.js';
import {
  conversationParamSchema,
  historyQuerySchema,
  idempotencyHeaderSchema,
  sendMessageSchema,
  type SendMessageInput,
} from './message.schemas.js';
import type { Retry } from './retry.js';
import type { Sender } from './send.js';

const tags = ['Messages'];

const sendAcceptedSchema = z.strictObject({
  message: z.literal('Message accepted for processing'),
  data: z.strictObject({ message: messageSchema, conversation: conversationSchema }),
});

const retryAcceptedSchema = z.strictObject({
  message: z.literal('Retry accepted'),
  data: z.strictObject({ message: messageSchema, reply: messageSchema }),
});

const historySchema = z.strictObject({
  data: z.array(messageSchema),
  meta: z.union([pageMetaSchema, seqCursorMetaSchema]),
});

const replayedHeader = z.object({
  'Idempotent-Replayed': z
    .literal('true')
    .optional()
    .meta({ description: 'Present when this is the original 202 answered again for a repeated Idempotency-Key.' }),
});

/**
 * A widget token sends as its end user to its chatbot: fields it leaves out come from the token
 * (the channel is the widget's), and any other chatbot, end user or conversation is a 404.
 */
function withWidgetDefaults(body: unknown, widget: WidgetScope | undefined): unknown {
  if (!widget || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return { chatbotId: widget.chatbotId, externalUserId: widget.externalUserId, channel: 'WIDGET', ...body };
}

async function requireWidgetScope(em: EntityManager, caller: Caller, input: SendMessageInput): Promise<void> {
  const { widget } = caller;
  if (input.chatbotId !== widget?.chatbotId || input.externalUserId !== widget.externalUserId)
    throw notFound('Chatbot');
  // A widget speaks on the widget's channel only: another would deliver the reply elsewhere (a
  // WEBHOOK reply is POSTed to the customer's systems, signed with the customer's secret).
  if (input.channel !== 'WIDGET') throw notFound('Channel');
  if (input.conversationId) await findVisibleConversation(em, caller, input.conversationId);
}

export interface MessageRouteDeps {
  send: Sender;
  history: History;
  retry: Retry;
}

/** Sending (customer and widget tokens), the history reads, and retrying a failed reply. */
export function messageRoutes({ send, history, retry }: MessageRouteDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/messages/send',
      access: 'widget',
      operationId: 'sendMessage',
      tags,
      summary: 'Send an end user’s message; its reply is produced by a durable flow',
      description:
        'The 202 is a promise: the message is saved and will be answered (or its reply marked FAILED with a reason). Without `conversationId` it goes to the open conversation of (chatbotId, externalUserId, channel), created when there is none. With a widget token, `chatbotId`, `externalUserId` and `channel` (WIDGET) may be left out: they come from the token, and other values (another channel included) are a 404.',
      request: { body: sendMessageSchema, headers: idempotencyHeaderSchema },
      prepareBody: (body, caller) => withWidgetDefaults(body, caller.widget),
      responses: { '202': json('Accepted for processing', sendAcceptedSchema, replayedHeader) },
      errors: [400, 413, 415, 404, 409, 422, 429],
      say: {
        404: 'The chatbot or conversation is unknown, not the caller’s, or (widget token) not the token’s, or the channel is not WIDGET.',
        409: 'The conversation is CLOSED or belongs to another end user or channel, or a request with the same Idempotency-Key is still in flight (retry shortly).',
      },
      async handle({ body: input, headers, caller, ctx, em }) {
        if (caller.widget) await requireWidgetScope(em, caller, input);
        const key = headers['Idempotency-Key'];
        const { customerId } = caller;
        const claim = key ? { customerId, key, requestHash: hashRequest(input) } : undefined;
        const { body, replayed } = await send(em, customerId, input, claim);
        if (replayed) ctx.set('Idempotent-Replayed', 'true');
        return body;
      },
    }),
    route({
      method: 'get',
      path: '/messages/conversation/:conversationId',
      access: 'widget',
      operationId: 'getHistory',
      tags,
      summary: 'A conversation’s messages, always in ascending seq order',
      description:
        '`?page=&limit=` (defaults 1 and 50) answers `meta { page, limit, total, totalPages }`; `?after=<seq>` (the messages after it) or `?before=<seq>` (the newest `limit` before it) answer `meta { limit, hasMore }`. Use only one of page, after and before.',
      request: { params: conversationParamSchema, query: historyQuerySchema },
      responses: { '200': json('A page of messages', historySchema) },
      errors: [400, 404],
      async handle({ params: { conversationId }, query, caller, em }) {
        if (caller.widget) await findVisibleConversation(em, caller, conversationId);
        return history.page(em, caller.customerId, conversationId, query);
      },
    }),
    route({
      method: 'post',
      path: '/messages/:id/retry',
      access: 'customer',
      operationId: 'retryMessage',
      tags,
      summary: 'Answer again a user message whose reply FAILED',
      description:
        'A new run of the message’s flow answers again into the same reply (same id and seq): FAILED -> PENDING, emitted like any change.',
      request: { params: uuidParam },
      responses: { '202': json('Retry accepted', retryAcceptedSchema) },
      errors: [400, 413, 415, 404, 409, 429],
      say: {
        409: 'Not a user message, or its reply is not FAILED.',
        503: 'The database or Temporal is unreachable; nothing was started: retry after `Retry-After` seconds.',
      },
      handle: ({ params, caller, em }) => retry(em, caller.customerId, params.id),
    }),
    route({
      method: 'get',
      path: '/messages/:id',
      access: 'widget',
      operationId: 'getMessage',
      tags,
      summary: 'Read a message',
      request: { params: uuidParam },
      responses: { '200': json('The message', z.strictObject({ data: messageSchema })) },
      errors: [400, 404],
      async handle({ params, caller, em }) {
        const message = await history.get(em, caller.customerId, params.id);
        if (caller.widget) {
          await findVisibleConversation(em, caller, message.conversationId).catch(() =>
            Promise.reject(notFound('Message')),
          );
        }
        return { data: message };
      },
    }),
  ];
}
