import Router from '@koa/router';
import type { Metrics } from './metrics.js';

/**
 * GET /metrics in the Prometheus text format: this process's metrics, then the Temporal SDK's
 * worker metrics from the native core's exporter when this process runs a worker.
 */
export function metricsRoutes(metrics: Metrics, sdkMetricsUrl?: string): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const [own, sdk] = await Promise.all([metrics.collect(), scrapeSdk(sdkMetricsUrl)]);
    ctx.type = metrics.registry.contentType;
    ctx.body = sdk ? `${own}\n${sdk}` : own;
  });
  return router;
}

/** The core's exporter answers on loopback within milliseconds; a slow or missing one is skipped. */
async function scrapeSdk(url: string | undefined): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}
