import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import {
  conversationParamSchema,
  historyQuerySchema,
  idempotencyHeaderSchema,
  sendMessageSchema,
} from '../../modules/messages/message.schemas.js';
import { uuidParam } from '../validate.js';
import { conversationSchema, messageSchema, pageMetaSchema, seqCursorMetaSchema } from './resource.schemas.js';
import {
  AUTHED,
  CUSTOMER,
  CUSTOMER_ONLY,
  CUSTOMER_OR_WIDGET,
  WITH_BODY,
  json,
  jsonBody,
  problems,
} from './responses.js';

const tags = ['Messages'];

export const sendAcceptedSchema = z.strictObject({
  message: z.literal('Message accepted for processing'),
  data: z.strictObject({ message: messageSchema, conversation: conversationSchema }),
});

export const retryAcceptedSchema = z.strictObject({
  message: z.literal('Retry accepted'),
  data: z.strictObject({ message: messageSchema, reply: messageSchema }),
});

export const historySchema = z.strictObject({
  data: z.array(messageSchema),
  meta: z.union([pageMetaSchema, seqCursorMetaSchema]),
});

const replayedHeader = z.object({
  'Idempotent-Replayed': z
    .literal('true')
    .optional()
    .meta({ description: 'Present when this is the original 202 answered again for a repeated Idempotency-Key.' }),
});

/** /messages: sending (customer and widget tokens), the history reads, and retrying a failed reply. */
export const messagePaths: ZodOpenApiPathsObject = {
  '/messages/send': {
    post: {
      tags,
      operationId: 'sendMessage',
      summary: 'Send an end user’s message; its reply is produced by a durable flow',
      description:
        'The 202 is a promise: the message is saved and will be answered (or its reply marked FAILED with a reason). Without `conversationId` it goes to the open conversation of (chatbotId, externalUserId, channel), created when there is none. With a widget token, `chatbotId`, `externalUserId` and `channel` (WIDGET) may be left out: they come from the token, and other values are a 404.',
      security: CUSTOMER_OR_WIDGET,
      requestParams: { header: idempotencyHeaderSchema },
      requestBody: jsonBody(sendMessageSchema),
      responses: {
        '202': json('Accepted for processing', sendAcceptedSchema, replayedHeader),
        ...problems([...AUTHED, ...WITH_BODY, 404, 409, 422, 429], {
          404: 'The chatbot or conversation is unknown, not the caller’s, or (widget token) not the token’s.',
          409: 'The conversation is CLOSED or belongs to another end user or channel, or a request with the same Idempotency-Key is still in flight (retry shortly).',
        }),
      },
    },
  },
  '/messages/conversation/{conversationId}': {
    get: {
      tags,
      operationId: 'getHistory',
      summary: 'A conversation’s messages, always in ascending seq order',
      description:
        '`?page=&limit=` (defaults 1 and 50) answers `meta { page, limit, total, totalPages }`; `?after=<seq>` (the messages after it) or `?before=<seq>` (the newest `limit` before it) answer `meta { limit, hasMore }`. Use only one of page, after and before.',
      security: CUSTOMER_OR_WIDGET,
      requestParams: { path: conversationParamSchema, query: historyQuerySchema },
      responses: { '200': json('A page of messages', historySchema), ...problems([...AUTHED, 400, 404]) },
    },
  },
  '/messages/{id}': {
    get: {
      tags,
      operationId: 'getMessage',
      summary: 'Read a message',
      security: CUSTOMER_OR_WIDGET,
      requestParams: { path: uuidParam },
      responses: {
        '200': json('The message', z.strictObject({ data: messageSchema })),
        ...problems([...AUTHED, 400, 404]),
      },
    },
  },
  '/messages/{id}/retry': {
    post: {
      tags,
      operationId: 'retryMessage',
      summary: 'Answer again a user message whose reply FAILED',
      description:
        'A new run of the message’s flow answers again into the same reply (same id and seq): FAILED -> PENDING, emitted like any change.',
      security: CUSTOMER,
      requestParams: { path: uuidParam },
      responses: {
        '202': json('Retry accepted', retryAcceptedSchema),
        ...problems([...CUSTOMER_ONLY, ...WITH_BODY, 404, 409, 429], {
          409: 'Not a user message, or its reply is not FAILED.',
          503: 'The database or Temporal is unreachable; nothing was started: retry after `Retry-After` seconds.',
        }),
      },
    },
  },
};
