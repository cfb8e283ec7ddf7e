import { createServer } from 'node:net';
import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger, LogLevel } from '../logger.js';
import { messageOf } from '../observability/log-context.js';

let sdkMetricsUrl: string | undefined;

/**
 * Installs the SDK's runtime once per process: its logs go through our pino logger, at most
 * warnings (the runtime logs every poll at INFO; a retried activity is a warning), and its worker
 * metrics (schedule-to-start latency, task slots, poll results, …) are served by the native core's
 * Prometheus exporter on `bindAddress` (a free loopback port when not given), which our /metrics
 * appends. Signals are left to src/process.ts, which shuts down in order.
 */
export async function installTemporalRuntime(level: LogLevel, logger: Logger, metricsBindAddress?: string): Promise<void> {
  if (sdkMetricsUrl) return;
  const sdkLevel = level === 'debug' ? 'DEBUG' : level === 'error' || level === 'silent' ? 'ERROR' : 'WARN';
  const bindAddress = metricsBindAddress ?? `127.0.0.1:${await freeLoopbackPort()}`;
  try {
    Runtime.install({
      logger: sdkLogger(logger.child({ component: 'temporal-sdk' }, { level: sdkLevel === 'WARN' ? 'warn' : sdkLevel === 'DEBUG' ? 'debug' : 'error' })),
      telemetryOptions: {
        logging: { filter: { core: sdkLevel, other: 'ERROR' }, forward: {} },
        metrics: { prometheus: { bindAddress, useSecondsForDurations: true, countersTotalSuffix: true } },
      },
      shutdownSignals: [],
    });
    sdkMetricsUrl = `http://${bindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/metrics`;
  } catch {
    // Already installed in this process by an earlier app instance (tests): the SDK's metrics are
    // not served by this one.
  }
}

/** Where the native core serves the SDK's worker metrics in this process, once installed. */
export function temporalSdkMetricsUrl(): string | undefined {
  return sdkMetricsUrl;
}

/**
 * The SDK's logger interface on pino: its metadata (workflow id, activity, …) becomes fields, with
 * the message id of a message flow beside its workflow id.
 */
function sdkLogger(logger: Logger): SdkLogger {
  const methods = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  const log = (level: SdkLogLevel, message: string, meta: LogMetadata = {}) => logger[methods[level]]({ ...messageOf(meta.workflowId), ...meta }, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
