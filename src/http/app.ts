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
import type { FlowLinks } from '../temporal/ui-links.js';
import { docsRoutes } from './openapi/docs.routes.js';
import { requestLog } from './request-log.js';
import { httpMetrics } from '../observability/http-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { metricsRoutes } from '../observability/metrics.routes.js';

export interface AppDeps {
  orm: MikroORM;
  messages: MessageService;
  conversationActions: ConversationActions;
  whatsAppInbound: WhatsAppInbound;
  jwtSecret: string;
  logger: Logger;
  readiness: Readiness;
  metrics: Metrics;
  /** The Temporal SDK's own exporter, appended to /metrics. */
  sdkMetricsUrl?: string;
  /** The Temporal UI addresses that conversations carry. */
  links: FlowLinks;
}

/** The Koa app: errors first, then health (public), then authenticated JSON routes. */
export function createApp(deps: AppDeps): Koa {
  const app = createHealthApp(deps.readiness, deps.logger, deps.metrics, deps.sdkMetricsUrl);
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
    conversationReadRoutes(deps.orm, deps.links),
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

/**
 * The request log and metrics, the error mapping, the health endpoints and /metrics: what a
 * worker-only process serves, and what the API serves first. /metrics and the SDK's worker
 * metrics appended to it are public like the health checks: they carry no tenant's ids or data.
 */
export function createHealthApp(readiness: Readiness, logger: Logger, metrics: Metrics, sdkMetricsUrl?: string): Koa {
  const app = new Koa();
  app.use(requestLog(logger));
  app.use(httpMetrics(metrics));
  app.use(errorHandler(logger));
  for (const router of [healthRoutes(readiness), metricsRoutes(metrics, sdkMetricsUrl)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
