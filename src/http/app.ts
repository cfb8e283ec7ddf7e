import { bodyParser } from '@koa/bodyparser';
import type { MikroORM } from '@mikro-orm/postgresql';
import Koa from 'koa';
import type { Logger } from '../logger.js';
import { httpMetrics } from '../observability/http-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { cors, type OriginPolicy } from './cors.js';
import { errorHandler } from './errors.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { docsRoutes } from './openapi/docs.routes.js';
import { requestLog } from './request-log.js';
import type { Route } from './route.js';
import { serveRoutes } from './router.js';

export interface AppParts {
  /** Health, readiness and metrics: served first, before any body is read. */
  health: Route[];
  /** Every other route, public ones (signed webhooks) and those that need a token. */
  routes: Route[];
  jwtSecret: string;
  /** Each request's handler gets its own fork of its entity manager. */
  orm: MikroORM;
  logger: Logger;
  metrics: Metrics;
  /** Which sites' pages may call (CORS, and the origin checks of widget tokens). */
  origins: OriginPolicy;
}

/**
 * The API's Koa app: the request log, metrics and error mapping first, then health, then the JSON
 * routes — public ones, then the token's — and the OpenAPI document of all of them (with /docs).
 */
export function createApp({ health, routes, jwtSecret, orm, logger, metrics, origins }: AppParts): Koa {
  const app = createHealthApp(health, logger, metrics);
  let document = '';
  const docs = docsRoutes(() => document);
  document = JSON.stringify(buildOpenApiDocument([...health, ...routes, ...docs]));
  app.use(cors([...docs, ...routes], origins));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' }));
  serveRoutes(app, [...docs, ...routes.filter((r) => r.access === 'public')], { orm });
  serveRoutes(
    app,
    routes.filter((r) => r.access !== 'public'),
    { jwtSecret, orm, origins },
  );
  return app;
}

/** Every response says what it is: a browser never guesses a type (a JSON error run as a script). */
const noSniff: Koa.Middleware = async (ctx, next) => {
  ctx.set('X-Content-Type-Options', 'nosniff');
  await next();
};

/**
 * The request log and metrics, the error mapping, and the health routes: what a worker-only
 * process serves, and what the API serves first.
 */
export function createHealthApp(health: Route[], logger: Logger, metrics: Metrics): Koa {
  const app = new Koa();
  app.use(noSniff);
  app.use(requestLog(logger));
  app.use(httpMetrics(metrics));
  app.use(errorHandler(logger));
  serveRoutes(app, health);
  return app;
}
