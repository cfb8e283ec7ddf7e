import type { Metrics } from './metrics.js';

/**
 * The Prometheus text of this process: its own metrics, then the Temporal SDK's worker metrics
 * from the native core's exporter when this process runs a worker.
 */
export async function exposition(metrics: Metrics, sdkMetricsUrl?: string): Promise<string> {
  const [own, sdk] = await Promise.all([metrics.collect(), scrapeSdk(sdkMetricsUrl)]);
  return sdk ? `${own}\n${sdk}` : own;
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
