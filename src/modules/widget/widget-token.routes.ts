import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { signWidgetToken } from '../../auth/tokens.js';
import { notFound } from '../../errors.js';
import { parse, storableText } from '../../http/validate.js';
import { Chatbot } from '../chatbots/chatbot.entity.js';

/** 15 minutes unless asked otherwise; a day at most. A widget refreshes through its site's backend. */
export const WIDGET_TOKEN_DEFAULT_TTL_SECONDS = 900;
const WIDGET_TOKEN_MAX_TTL_SECONDS = 86_400;

const mintSchema = z.strictObject({
  chatbotId: z.uuid(),
  externalUserId: storableText().trim().min(1).max(255),
  ttlSeconds: z.number().int().min(60).max(WIDGET_TOKEN_MAX_TTL_SECONDS).default(WIDGET_TOKEN_DEFAULT_TTL_SECONDS),
});

/**
 * POST /widget-tokens (customer token): a short-lived token a website hands to its end user's
 * browser, good only for talking to one chatbot as that user (src/http/auth.ts fences it in).
 */
export function widgetTokenRoutes(orm: MikroORM, jwtSecret: string): Router {
  const router = new Router({ prefix: '/widget-tokens' });
  router.post('/', async (ctx) => {
    const { chatbotId, externalUserId, ttlSeconds } = parse(mintSchema, ctx.request.body);
    const chatbot = await orm.em.fork().findOne(Chatbot, { id: chatbotId, customerId: ctx.state.customerId, deletedAt: null });
    if (!chatbot) throw notFound('Chatbot');
    ctx.status = 201;
    ctx.body = { data: signWidgetToken(jwtSecret, ctx.state.customerId, { chatbotId, externalUserId }, ttlSeconds) };
  });
  return router;
}
