import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Readiness } from '../health/readiness.js';
import type { Logger } from '../logger.js';
import { chatbotRoutes } from '../modules/chatbots/chatbot.routes.js';
import { conversationActionRoutes } from '../modules/conversations/conversation-actions.routes.js';
import type { ConversationActions } from '../modules/conversations/conversation.actions.js';
import { conversationReadRoutes } from '../modules/conversations/conversation-read.routes.js';
import { messageRoutes } from '../modules/messages/message.routes.js';
import type { MessageService } from '../modules/messages/message.service.js';
import { widgetTokenRoutes } from '../modules/widget/widget-token.routes.js';
import type { WhatsAppInbound } from '../modules/whatsapp/whatsapp-inbound.js';
import { whatsAppWebhookRoutes } from '../modules/whatsapp/whatsapp-webhook.routes.js';
import { requireAuth } from './auth.js';
import { errorHandler } from './errors.js';
import { healthRoutes } from './health.routes.js';
import { docsRoutes } from './openapi/docs.routes.js';
import { requestLog } from './request-log.js';

export interface AppDeps {
  orm: MikroORM;
  messages: MessageService;
  conversationActions: ConversationActions;
  whatsAppInbound: WhatsAppInbound;
  jwtSecret: string;
  logger: Logger;
  readiness: Readiness;
}

/** The Koa app: errors first, then health (public), then authenticated JSON routes. */
export function createApp(deps: AppDeps): Koa {
  const app = createHealthApp(deps.readiness, deps.logger);
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' }));
  // Meta's webhooks are signed, not authenticated by JWT: before the auth middleware.
  const whatsapp = whatsAppWebhookRoutes(deps.orm, deps.whatsAppInbound);
  app.use(whatsapp.routes());
  app.use(whatsapp.allowedMethods());
  // The OpenAPI document and its Swagger UI page are public too.
  const docs = docsRoutes();
  app.use(docs.routes());
  app.use(docs.allowedMethods());
  for (const middleware of requireAuth(deps.jwtSecret)) app.use(middleware);
  const routers = [
    chatbotRoutes(deps.orm),
    conversationReadRoutes(deps.orm),
    conversationActionRoutes(deps.orm, deps.messages, deps.conversationActions),
    messageRoutes(deps.orm, deps.messages),
    widgetTokenRoutes(deps.orm, deps.jwtSecret),
  ];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}

/** Just the error mapping and the health endpoints: what a worker-only process serves. */
export function createHealthApp(readiness: Readiness, logger: Logger): Koa {
  const app = new Koa();
  app.use(requestLog(logger));
  app.use(errorHandler(logger));
  const health = healthRoutes(readiness);
  app.use(health.routes());
  app.use(health.allowedMethods());
  return app;
}
