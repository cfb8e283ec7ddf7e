import type { Middleware } from 'koa';
import type { Metrics } from './metrics.js';

/** Times every request by its route template (`/messages/:id`, never the id itself) and final status. */
export function httpMetrics(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const end = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      end({
        method: ctx.method,
        route: ctx._matchedRoute ? String(ctx._matchedRoute) : 'unmatched',
        status: String(ctx.status),
      });
    }
  };
}
