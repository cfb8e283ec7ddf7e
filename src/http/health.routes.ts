import Router from '@koa/router';
import type { Readiness } from '../health/readiness.js';
import { problem, RETRY_AFTER_SECONDS } from './errors.js';

/**
 * GET /health: liveness (the process answers). GET /health/ready: readiness, 503 problem+json
 * naming the parts that are not ready (database, temporal, redis, worker). No auth: both are for
 * load balancers and supervisors, and tell nothing about tenants.
 */
export function healthRoutes(readiness: Readiness): Router {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/health/ready', async (ctx) => {
    const { ready, checks } = await readiness.report();
    if (ready) {
      ctx.body = { status: 'ready', checks };
      return;
    }
    const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    ctx.status = 503;
    ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    ctx.type = 'application/problem+json';
    ctx.body = { ...problem(503, `Not ready: ${failing.join(', ')}`), checks };
  });
  return router;
}
