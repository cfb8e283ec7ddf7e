import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { signWidgetToken } from '../../auth/tokens.js';
import { parse } from '../../http/validate.js';
import { findOwnedChatbot } from '../chatbots/chatbot.store.js';
import { mintWidgetTokenSchema } from './widget-token.schemas.js';

/**
 * POST /widget-tokens (customer token): a short-lived token a website hands to its end user's
 * browser, good only for talking to one chatbot as that user (src/http/auth.ts fences it in).
 */
export function widgetTokenRoutes(orm: MikroORM, jwtSecret: string): Router {
  const router = new Router({ prefix: '/widget-tokens' });
  router.post('/', async (ctx) => {
    const { chatbotId, externalUserId, ttlSeconds } = parse(mintWidgetTokenSchema, ctx.request.body);
    await findOwnedChatbot(orm.em.fork(), ctx.state.customerId, chatbotId);
    ctx.status = 201;
    ctx.body = { data: signWidgetToken(jwtSecret, ctx.state.customerId, { chatbotId, externalUserId }, ttlSeconds) };
  });
  return router;
}
