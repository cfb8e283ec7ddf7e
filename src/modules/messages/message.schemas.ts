import { z } from 'zod';
import { intParam, storableJsonObject, storableText } from '../../http/validate.js';
import { CHANNELS } from '../../model/conversation.entity.js';

const METADATA_MAX_BYTES = 16 * 1024;

/** The longest message text, in characters (sent, received from a channel, or written by an agent). */
export const MAX_CONTENT = 8000;

const content = storableText()
  .min(1)
  .max(MAX_CONTENT)
  .refine((value) => value.trim().length > 0, 'must not be blank');

export const sendMessageSchema = z.strictObject({
  chatbotId: z.uuid(),
  externalUserId: storableText().trim().min(1).max(255),
  content,
  channel: z.enum(CHANNELS),
  metadata: storableJsonObject(METADATA_MAX_BYTES).optional(),
  conversationId: z.uuid().optional(),
});

export type SendMessageInput = z.infer<typeof sendMessageSchema>;

/** The optional `Idempotency-Key` of POST /messages/send: the same key and body answer the first 202 again. */
export const idempotencyHeaderSchema = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .meta({
      description:
        'Per customer, kept 24 h: the same key with the same body returns the original 202 (header Idempotent-Replayed: true) and creates nothing; with another body 422; while the first request runs 409.',
    }),
});

/** GET /messages/conversation/:conversationId */
export const conversationParamSchema = z.object({ conversationId: z.uuid() });

/** POST /conversations/:id/messages: an agent's message. */
export const agentMessageSchema = z.strictObject({
  content,
  metadata: storableJsonObject(METADATA_MAX_BYTES).optional(),
});

export type AgentMessageInput = z.infer<typeof agentMessageSchema>;

/** page/limit, or a seq cursor (after/before) with limit; the two styles do not mix. */
export const historyQuerySchema = z
  .strictObject({
    page: intParam(1, 1_000_000).optional(),
    limit: intParam(1, 100).default(50),
    after: intParam(0, 2_147_483_647).optional(),
    before: intParam(1, 2_147_483_647).optional(),
  })
  .refine((q) => [q.page, q.after, q.before].filter((v) => v !== undefined).length <= 1, {
    message: 'use only one of page, after and before',
    path: ['page'],
  });

export type HistoryQuery = z.infer<typeof historyQuerySchema>;
