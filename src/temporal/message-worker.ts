import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { Deps } from '../deps.js';
import { createChannels } from '../channels/index.js';
import { instrumentChannels } from '../observability/channel-metrics.js';
import { flowMetricsSinks } from '../observability/flow-metrics.js';
import type { Publisher } from '../realtime/publisher.js';
import { createFlowInspector, createTurnNotifier } from './flows.js';
import { cachedWorkflowBundle } from './workflow-bundle.js';

export interface MessageWorker {
  /** Readiness: resolves with a reason while the worker is not running. */
  check(): Promise<string | void>;
  /** Running with at most a few workflow tasks and local steps in hand: a new flow may start eagerly. */
  lightlyLoaded(): boolean;
  /** Rejects if the worker stops without being asked to (its process should then exit non-zero). */
  failed: Promise<never>;
  stop(): Promise<void>;
}

/**
 * Runs the message flows' worker once Temporal is reachable (a process started during a Temporal
 * outage waits for it instead of exiting). A worker that dies by itself is reported on `failed`.
 */
export function startMessageWorker(
  deps: Deps,
  options: { publisher: Publisher; workflowBundle?: WorkflowBundleOption },
): MessageWorker {
  const { config, logger } = deps;
  let worker: Worker | undefined;
  let stopping = false;
  let connected = false;

  const run = (async () => {
    const session = await deps.temporal.ready;
    connected = true;
    if (stopping) return;
    const client = session.client;
    worker = await Worker.create({
      connection: session.connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: options.workflowBundle ?? {
        codePath: config.workflowBundlePath ?? (await cachedWorkflowBundle(config.dataDir)),
      },
      activities: createActivities({
        orm: deps.orm,
        publisher: options.publisher,
        llm: deps.llm,
        logger,
        channels: instrumentChannels(
          createChannels({ graphApiBaseUrl: config.channels.graphApiBaseUrl, links: deps.links }),
          deps.metrics,
        ),
        notifyTurn: createTurnNotifier(client, logger),
        flowIsOpen: createFlowInspector(client),
        links: deps.links,
        history: { maxMessages: config.llm.historyMaxMessages, maxChars: config.llm.historyMaxChars },
        reply: { maxTokens: config.llm.maxTokens, maxChars: config.llm.replyMaxChars },
      }),
      sinks: flowMetricsSinks(deps.metrics),
      shutdownGraceTime: '5s',
    });
    const running = worker.run();
    if (stopping) worker.shutdown(); // asked to stop while it was being created
    await Promise.race([running, failure(worker)]);
  })();

  const failed = run.then(
    () => (stopping ? never() : Promise.reject(new Error('The Temporal worker stopped by itself'))),
    (err) => (stopping ? never() : Promise.reject(err)),
  );

  return {
    async check() {
      const state = worker?.getState();
      if (state === 'RUNNING') return;
      return state ? state.toLowerCase() : 'starting';
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
