import { z } from 'zod';
import { intParam, originSchema, storableText } from '../../http/validate.js';
import { ON_FAILURE } from '../../model/chatbot.entity.js';
import { rulesSchema } from '../../routing/rules.js';

/** Every writable field, without defaults: POST fills the defaults, PATCH changes only what it names. */
const fields = {
  name: storableText().trim().min(1).max(200),
  systemPrompt: storableText().max(8000),
  model: storableText().trim().min(1).max(200).nullable(),
  temperature: z.number().min(0).max(2).nullable(),
  /** `max_tokens` of each reply; null: the server default (LLM_MAX_TOKENS). */
  maxTokens: z.number().int().min(1).max(32_768).nullable(),
  /** Ordered; the first rule that matches a user message decides who answers. */
  rules: rulesSchema,
  fallbackReply: storableText().trim().min(1).max(8000).nullable(),
  onFailure: z.enum(ON_FAILURE),
  /** WEBHOOK conversations' replies are POSTed to `url`, signed with `secret` (write-only). */
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
      secret: storableText().min(16, 'must be at least 16 characters').max(256),
    })
    .nullable(),
  /** WHATSAPP conversations go through this Cloud API number; the three secrets are write-only. */
  whatsapp: z
    .strictObject({
      phoneNumberId: z.string().regex(/^\d{1,32}$/, 'must be the numeric phone number id'),
      accessToken: storableText().min(16).max(1024),
      appSecret: storableText().min(16).max(256),
      verifyToken: storableText().min(8).max(256),
    })
    .nullable(),
  /**
   * Browser access (the chat widget): the origins whose pages may embed it, whether visitors who
   * are not signed in get a session, and the secret that keys signed-in users' HMAC (write-only:
   * left out, a PATCH keeps the one set; null removes it).
   */
  widget: z
    .strictObject({
      allowedOrigins: z
        .array(originSchema)
        .max(100)
        .transform((origins) => [...new Set(origins)]),
      anonymous: z.boolean().default(true),
      identitySecret: storableText().min(16, 'must be at least 16 characters').max(256).nullable().optional(),
    })
    .nullable(),
  /**
   * Sends per minute to this chatbot (all its end users; null: only the customer's limit) and per
   * end user (null: RATE_LIMIT_USER_SENDS_PER_MINUTE). PATCH changes only the members it names.
   */
  limits: z.strictObject({
    sendsPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
    userSendsPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
  }),
};

export const createChatbotSchema = z.strictObject({
  name: fields.name,
  systemPrompt: fields.systemPrompt.default(''),
  model: fields.model.default(null),
  temperature: fields.temperature.default(null),
  maxTokens: fields.maxTokens.default(null),
  rules: fields.rules.default([]),
  fallbackReply: fields.fallbackReply.default(null),
  onFailure: fields.onFailure.default('fallback'),
  webhook: fields.webhook.default(null),
  whatsapp: fields.whatsapp.default(null),
  widget: fields.widget.default(null),
  limits: fields.limits.default({}),
});

export const updateChatbotSchema = z
  .strictObject(fields)
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'must change at least one field');

/** GET /chatbots: numbered pages, like the history's default paging. */
export const listChatbotsQuerySchema = z.strictObject({
  page: intParam(1, 1_000_000).default(1),
  limit: intParam(1, 100).default(50),
});
