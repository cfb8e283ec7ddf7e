import { createServer } from 'node:http';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createChannels } from '../channels/index.js';
import { createHealthApp } from '../http/app.js';
import { healthRoutes } from '../http/health.routes.js';
import { startMessageWorker, type MessageWorker } from '../temporal/message-worker.js';
import type { Deps } from './deps.js';
import { baseReadiness, listen, type Running } from './running.js';

/**
 * The message flows' worker: the flow's steps bound to this process's lifecycle, channels and LLM.
 * A flow started in this process may start eagerly while this worker is lightly loaded.
 */
export function startFlowWorker(deps: Deps, workflowBundle?: WorkflowBundleOption): MessageWorker {
  const { config, orm, lifecycle, llm, logger, metrics, present, temporal } = deps;
  const activities = createActivities({
    orm,
    lifecycle,
    llm,
    logger,
    channels: createChannels({ present, metrics, graphApiBaseUrl: config.channels.graphApiBaseUrl }),
    history: { maxMessages: config.llm.historyMaxMessages, maxChars: config.llm.historyMaxChars },
    reply: { maxTokens: config.llm.maxTokens, maxChars: config.llm.replyMaxChars },
  });
  const worker = startMessageWorker({
    temporal,
    metrics,
    logger,
    activities,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: workflowBundle ?? (config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined),
    dataDir: config.dataDir,
  });
  deps.eagerStart.runsWorker(worker);
  return worker;
}

/**
 * The worker role: runs the message flows, and serves /health, /health/ready and /metrics. It
 * publishes through its headless Socket.IO server on the shared Redis stream, which the API
 * processes relay to their clients.
 */
export async function startWorker(
  deps: Deps,
  options: { workflowBundle?: WorkflowBundleOption } = {},
): Promise<Running> {
  if (!deps.bus) {
    throw new Error('A worker in its own process needs REDIS_URL to reach the API processes’ Socket.IO clients.');
  }
  const worker = startFlowWorker(deps, options.workflowBundle);
  const readiness = baseReadiness(deps);
  readiness.add('worker', () => worker.check());
  const health = healthRoutes({ readiness, metrics: deps.metrics, sdkMetricsUrl: deps.sdkMetricsUrl });
  const serve = createHealthApp(health, deps.logger, deps.metrics).callback();
  const http = createServer((req, res) => void serve(req, res));
  const url = await listen(http, deps.config.port, deps.config.host);
  return {
    url,
    readiness,
    failed: worker.failed,
    async stop() {
      await worker.stop();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
