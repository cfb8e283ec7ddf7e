import { z } from 'zod';
import { intParam, storableText } from '../../http/validate.js';

export const createChatbotSchema = z.strictObject({
  name: storableText().trim().min(1).max(200),
  systemPrompt: storableText().max(8000).default(''),
  model: storableText().trim().min(1).max(200).nullable().default(null),
  temperature: z.number().min(0).max(2).nullable().default(null),
  /** `max_tokens` of each reply; null: the server default (LLM_MAX_TOKENS). */
  maxTokens: z.number().int().min(1).max(32_768).nullable().default(null),
});

/** GET /chatbots: numbered pages, like the history's default paging. */
export const listChatbotsQuerySchema = z.strictObject({
  page: intParam(1, 1_000_000).default(1),
  limit: intParam(1, 100).default(50),
});
