import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { IllegalStateError } from '@temporalio/common';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { freePort } from '../lib/free-port.js';
import type { Logger, LogLevel } from '../logger.js';
import { messageOf } from '../observability/log-context.js';

/** The runtime is one per process: what this process installed (tests build several apps in one). */
let installed: { metricsUrl?: string } | undefined;

/**
 * Installs the SDK's runtime once per process: its logs go through our pino logger, at most
 * warnings (the runtime logs every poll at INFO; a retried activity is a warning), and its worker
 * metrics (schedule-to-start latency, task slots, poll results, …) are served by the native core's
 * Prometheus exporter on `bindAddress` (a free loopback port when not given), which our /metrics
 * appends: resolves with that exporter's URL. An exporter that cannot start (its port taken) is
 * logged and left out; the runtime is installed without it rather than falling back to the SDK's
 * defaults (console logs, its own signal handlers). Signals are left to src/process.ts.
 */
export async function installTemporalRuntime(
  level: LogLevel,
  logger: Logger,
  metricsBindAddress?: string,
): Promise<string | undefined> {
  if (installed) return installed.metricsUrl;
  const sdkLevel = level === 'debug' ? 'debug' : level === 'error' || level === 'silent' ? 'error' : 'warn';
  const bindAddress = metricsBindAddress ?? `127.0.0.1:${await freePort()}`;
  const sdk = sdkLogger(logger.child({ component: 'temporal-sdk' }, { level: sdkLevel }));
  const options = (withMetrics: boolean): RuntimeOptions => ({
    logger: sdk,
    telemetryOptions: {
      logging: { filter: { core: sdkLevel.toUpperCase() as Uppercase<typeof sdkLevel>, other: 'ERROR' }, forward: {} },
      ...(withMetrics && {
        metrics: { prometheus: { bindAddress, useSecondsForDurations: true, countersTotalSuffix: true } },
      }),
    },
    shutdownSignals: [],
  });
  try {
    Runtime.install(options(true));
    installed = { metricsUrl: `http://${bindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/metrics` };
  } catch (err) {
    // Installed already in this process, by an app built earlier (tests): its exporter is not ours.
    if (err instanceof IllegalStateError) installed = {};
    else {
      logger.warn(
        { err, bindAddress },
        'the Temporal SDK’s Prometheus exporter could not start: /metrics goes without the SDK’s worker metrics',
      );
      Runtime.install(options(false));
      installed = {};
    }
  }
  return installed.metricsUrl;
}

/**
 * The SDK's logger interface on pino: its metadata (workflow id, activity, …) becomes fields, with
 * the message id of a message flow beside its workflow id.
 */
function sdkLogger(logger: Logger): SdkLogger {
  const methods = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  const log = (level: SdkLogLevel, message: string, meta: LogMetadata = {}) =>
    logger[methods[level]]({ ...messageOf(meta.workflowId), ...meta }, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
