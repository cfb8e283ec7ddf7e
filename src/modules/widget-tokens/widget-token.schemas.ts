import { z } from 'zod';
import { storableText } from '../../http/validate.js';

/** 15 minutes unless asked otherwise; a day at most. A widget refreshes through its site's backend. */
export const WIDGET_TOKEN_DEFAULT_TTL_SECONDS = 900;
const WIDGET_TOKEN_MAX_TTL_SECONDS = 86_400;

/** POST /widget-tokens: the chatbot and end user the token speaks for, and its life. */
export const mintWidgetTokenSchema = z.strictObject({
  chatbotId: z.uuid(),
  externalUserId: storableText().trim().min(1).max(255),
  ttlSeconds: z.number().int().min(60).max(WIDGET_TOKEN_MAX_TTL_SECONDS).default(WIDGET_TOKEN_DEFAULT_TTL_SECONDS),
});
