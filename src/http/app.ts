import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { chatbotRoutes } from '../modules/chatbots/chatbot.routes.js';
import { messageRoutes } from '../modules/messages/message.routes.js';
import type { MessageService } from '../modules/messages/message.service.js';
import { requireAuth } from './auth.js';
import { errorHandler } from './errors.js';

export interface AppDeps {
  orm: MikroORM;
  messages: MessageService;
  jwtSecret: string;
  logger: Logger;
}

/** The Koa app: errors first, then health (public), then authenticated JSON routes. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.use(errorHandler(deps.logger));

  const health = new Router();
  health.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  app.use(health.routes());

  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' }));
  for (const middleware of requireAuth(deps.jwtSecret)) app.use(middleware);
  for (const router of [chatbotRoutes(deps.orm), messageRoutes(deps.orm, deps.messages)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
