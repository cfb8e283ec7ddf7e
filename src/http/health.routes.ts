import Router from '@koa/router';
import type { Readiness } from '../health/readiness.js';

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
    ctx.set('Retry-After', '5');
    ctx.type = 'application/problem+json';
    ctx.body = { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: `Not ready: ${failing.join(', ')}`, checks };
  });
  return router;
}
