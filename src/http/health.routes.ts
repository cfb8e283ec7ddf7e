import { z } from 'zod';
import type { Readiness } from '../health/readiness.js';
import { exposition } from '../observability/exposition.js';
import type { Metrics } from '../observability/metrics.js';
import { problem, RETRY_AFTER_SECONDS } from './errors.js';
import { readinessProblemSchema, retryAfterHeaderSchema } from './openapi/problem.schemas.js';
import { json } from './openapi/responses.js';
import { route, type Route } from './route.js';

const tags = ['Health'];

/**
 * What every role serves, without a token: liveness, readiness (503 problem+json naming the parts
 * that are not ready: database, temporal, redis, worker) and the Prometheus metrics. They are for
 * load balancers, supervisors and scrapers, and tell nothing about tenants.
 */
export function healthRoutes(deps: { readiness: Readiness; metrics: Metrics; sdkMetricsUrl?: string }): Route[] {
  return [
    route({
      method: 'get',
      path: '/health',
      access: 'public',
      operationId: 'health',
      tags,
      summary: 'Liveness: the process serves HTTP',
      responses: { '200': json('Alive', z.strictObject({ status: z.literal('ok') })) },
      handle: () => ({ status: 'ok' }),
    }),
    route({
      method: 'get',
      path: '/health/ready',
      access: 'public',
      operationId: 'ready',
      tags,
      summary: 'Readiness: database, Temporal, Redis (when configured) and the worker answer',
      responses: {
        '200': json(
          'Ready',
          z.strictObject({ status: z.literal('ready'), checks: z.record(z.string(), z.literal('ok')) }),
        ),
        '503': {
          description: 'Not ready: `detail` names the failing parts, `checks` says how each is.',
          content: { 'application/problem+json': { schema: readinessProblemSchema } },
          headers: z.object({ 'Retry-After': retryAfterHeaderSchema }),
        },
      },
      async handle({ ctx }) {
        const { ready, checks } = await deps.readiness.report();
        if (ready) return { status: 'ready', checks };
        const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
        ctx.status = 503;
        ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
        ctx.type = 'application/problem+json';
        return { ...problem(503, `Not ready: ${failing.join(', ')}`), checks };
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      access: 'public',
      operationId: 'metrics',
      tags,
      summary: 'Prometheus metrics of this process (and of its Temporal worker, when it runs one)',
      description: 'Public like the health checks: no tenant’s ids or data.',
      responses: {
        '200': { description: 'The Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
      },
      async handle({ ctx }) {
        const text = await exposition(deps.metrics, deps.sdkMetricsUrl);
        ctx.type = deps.metrics.registry.contentType;
        return text;
      },
    }),
  ];
}
