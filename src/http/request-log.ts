import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';
import { withRequestId } from '../observability/log-context.js';

/** A caller's own id is kept when it is a sane token; otherwise each request gets a UUID. */
const CALLER_ID = /^[\w.:-]{1,128}$/;

/** Probes and scrapes answer every few seconds: logged at debug unless they fail. */
const QUIET_PATHS = ['/health', '/health/ready', '/metrics'];

/**
 * One JSON line per request (pino-http) when its response is finished: method, path, status, time,
 * the route that served it and the request id. The id is echoed as `X-Request-Id` and carried by
 * every line logged while the request is served (services, the error mapper).
 */
export function requestLog(logger: Logger): Middleware {
  const log = pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && CALLER_ID.test(given) ? given : randomUUID();
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (QUIET_PATHS.includes((req.url ?? '').split('?')[0])) return 'debug';
      return 'info';
    },
    serializers: {
      // The path without its query, and only the headers that help tracing (the rest may be secret).
      req: (req: { method?: string; url?: string; headers?: Record<string, unknown> }) => ({
        method: req.method,
        url: req.url?.split('?')[0],
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: (req) => ({ route: (req as { route?: string }).route }),
  });
  return async (ctx, next) => {
    log(ctx.req, ctx.res);
    const reqId = `${ctx.req.id as string}`;
    ctx.set('X-Request-Id', reqId);
    try {
      await withRequestId(reqId, next);
    } finally {
      (ctx.req as { route?: string }).route = ctx._matchedRoute ? String(ctx._matchedRoute) : undefined;
    }
  };
}
