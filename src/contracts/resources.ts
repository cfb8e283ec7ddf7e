import { z } from 'zod';
import { ON_FAILURE } from '../model/chatbot.entity.js';
import { CHANNELS, CONVERSATION_STATUSES } from '../model/conversation.entity.js';
import { DELIVERY_STATUSES, MESSAGE_ROLES } from '../model/message.entity.js';
import { rulesSchema } from '../routing/rules.js';

/**
 * The public resources as responses carry them (API.md section 3 and the README's additions):
 * what toChatbotDto, toConversationDto and toMessageDto return. Strict, so a field added to a DTO
 * without being documented fails the OpenAPI test.
 */
export const timestampSchema = z.iso.datetime().meta({ example: '2026-01-01T12:00:00.000Z' });
/** A link into the Temporal Web UI; null when the server knows no UI URL. */
const uiLink = z.url().nullable();
const perMinute = z.number().int().positive().nullable();

export const chatbotLimitsSchema = z.strictObject({ sendsPerMinute: perMinute, userSendsPerMinute: perMinute }).meta({
  id: 'ChatbotLimits',
  description:
    'Sends accepted per minute to the chatbot (all its end users) and per end user of it; null = the server default (for `sendsPerMinute`: none of its own, the customer’s limit applies).',
});

export const chatbotSchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    systemPrompt: z.string(),
    model: z.string().nullable().meta({ description: 'null = the server default (OPENAI_MODEL)' }),
    temperature: z.number().nullable().meta({ description: 'null = the model’s default' }),
    maxTokens: z.number().int().nullable().meta({ description: 'null = LLM_MAX_TOKENS' }),
    rules: rulesSchema,
    fallbackReply: z.string().nullable(),
    onFailure: z.enum(ON_FAILURE),
    webhook: z.strictObject({ url: z.string(), secretSet: z.literal(true) }).nullable(),
    whatsapp: z.strictObject({ phoneNumberId: z.string(), secretsSet: z.literal(true) }).nullable(),
    widget: z
      .strictObject({
        allowedOrigins: z.array(z.string()),
        anonymous: z.boolean(),
        identitySecretSet: z
          .boolean()
          .meta({ description: 'Whether signed-in users are verified (the secret is write-only).' }),
      })
      .nullable()
      .meta({ description: 'Browser access (the chat widget); null: no browser may call as this bot’s end users.' }),
    limits: chatbotLimitsSchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Chatbot' });

export const conversationSchema = z
  .strictObject({
    id: z.uuid(),
    chatbotId: z.uuid(),
    externalUserId: z.string(),
    channel: z.enum(CHANNELS),
    status: z.enum(CONVERSATION_STATUSES),
    lastMessageAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    windowExpiresAt: timestampSchema.nullable().optional().meta({
      description: 'WHATSAPP conversations only: free text may be sent until then (null before the user wrote).',
    }),
    links: z.strictObject({
      flows: uiLink.meta({ description: 'The conversation’s message flows in the Temporal Web UI.' }),
    }),
  })
  .meta({ id: 'Conversation' });

export const messageSchema = z
  .strictObject({
    id: z.uuid(),
    conversationId: z.uuid(),
    seq: z.number().int().min(1).meta({ description: '1, 2, 3… per conversation, in the order messages were saved' }),
    role: z.enum(MESSAGE_ROLES),
    content: z.string(),
    deliveryStatus: z.enum(DELIVERY_STATUSES),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    links: z.strictObject({ flow: uiLink.meta({ description: 'The message’s workflow in the Temporal Web UI.' }) }),
  })
  .meta({ id: 'Message' });

export const pageMetaSchema = z
  .strictObject({
    page: z.number().int().min(1),
    limit: z.number().int().min(1),
    total: z.number().int().min(0),
    totalPages: z.number().int().min(0),
  })
  .meta({ id: 'PageMeta' });

export const seqCursorMetaSchema = z
  .strictObject({ limit: z.number().int().min(1), hasMore: z.boolean() })
  .meta({ id: 'SeqCursorMeta' });
