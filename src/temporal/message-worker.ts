import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { FlowSteps } from '../../workflows/contracts.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { flowMetricsSinks } from './flow-metrics.js';
import type { TemporalLink } from './link.js';
import { cachedWorkflowBundle } from './workflow-bundle.js';

export interface MessageWorkerOptions {
  temporal: TemporalLink;
  namespace: string;
  taskQueue: string;
  /** The flow's steps, bound to their dependencies (activities/index.ts). */
  activities: FlowSteps;
  metrics: Metrics;
  logger: Logger;
  /** A bundle built beforehand (tests, WORKFLOW_BUNDLE_PATH); else one cached under `dataDir`. */
  workflowBundle?: WorkflowBundleOption;
  dataDir: string;
}

export interface MessageWorker {
  /** Readiness: resolves with a reason while the worker is not running. */
  check: () => Promise<string | void>;
  /** Running with at most a few workflow tasks and local steps in hand: a new flow may start eagerly. */
  lightlyLoaded: () => boolean;
  /** Rejects if the worker stops without being asked to (its process should then exit non-zero). */
  failed: Promise<never>;
  stop: () => Promise<void>;
}

/**
 * Runs the message flows' worker once Temporal is reachable (a process started during a Temporal
 * outage waits for it instead of exiting). A worker that dies by itself is reported on `failed`.
 */
export function startMessageWorker(options: MessageWorkerOptions): MessageWorker {
  let worker: Worker | undefined;
  let stopping = false;
  let connected = false;

  const run = (async () => {
    const session = await options.temporal.ready;
    connected = true;
    if (stopping) return;
    worker = await Worker.create({
      connection: session.connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: options.workflowBundle ?? { codePath: await cachedWorkflowBundle(options.dataDir) },
      activities: options.activities,
      sinks: flowMetricsSinks(options.metrics),
      shutdownGraceTime: '5s',
    });
    const running = worker.run();
    if (stopping) worker.shutdown(); // asked to stop while it was being created
    await Promise.race([running, failure(worker)]);
  })();

  const failed = run.then(
    () => (stopping ? never() : Promise.reject(new Error('The Temporal worker stopped by itself'))),
    (err: unknown) => (stopping ? never() : Promise.reject(err instanceof Error ? err : new Error(String(err)))),
  );

  return {
    check() {
      const state = worker?.getState();
      return Promise.resolve(state === 'RUNNING' ? undefined : (state?.toLowerCase() ?? 'starting'));
    },
    lightlyLoaded() {
      if (worker?.getState() !== 'RUNNING') return false;
      const status = worker.getStatus();
      return status.numInFlightWorkflowActivations + status.numInFlightNonLocalActivities <= EAGER_START_MAX_IN_HAND;
    },
    failed,
    async stop() {
      stopping = true;
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      // Still waiting for Temporal: nothing to wait for (closing the link ends that wait).
      if (connected) await run.catch(() => undefined);
    },
  };
}

const never = () => new Promise<never>(() => undefined);

/**
 * Rejects once the worker's state is FAILED. The SDK logs "Worker failed" and sets that state at
 * once, but its run() may take minutes more to settle (the core's shutdown waits out pollers on a
 * server that has lost the namespace: seen in test/app/readiness.test.ts), and a dead worker must
 * not keep its process alive meanwhile.
 */
function failure(worker: Worker): Promise<never> {
  return new Promise<never>((_, reject) => {
    const timer = setInterval(() => {
      const state = worker.getState();
      if (state === 'FAILED') reject(new Error('The Temporal worker failed (see the "Worker failed" log line)'));
      if (state === 'FAILED' || state === 'STOPPED') clearInterval(timer);
    }, FAILED_STATE_CHECK_MS);
    timer.unref();
  });
}

const FAILED_STATE_CHECK_MS = 1000;

/**
 * In-hand work (workflow tasks and LLM calls; a task's local steps run inside it) up to which an
 * eager start cannot jump ahead of anything waiting. One: the previous flow finishing its last
 * task still lets a chat's next message start eagerly; with more running, new flows queue in
 * order (bench/: counting local steps too with a limit of 2, a burst's p99 was 2.1x the ceiling at
 * full machine speed, because eager starts jumped ahead of queued first tasks).
 */
const EAGER_START_MAX_IN_HAND = 1;
