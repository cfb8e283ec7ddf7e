import { createServer } from 'node:http';
import { Server } from 'socket.io';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createChannels } from '../channels/index.js';
import { instrumentChannels } from '../channels/metered.js';
import { createHealthApp } from '../http/app.js';
import { healthRoutes } from '../http/health.routes.js';
import type { Lifecycle } from '../lifecycle/index.js';
import type { IoServer } from '../realtime/gateway.js';
import { createSocketPublisher } from '../realtime/socket-publisher.js';
import { startMessageWorker, type MessageWorker } from '../temporal/message-worker.js';
import type { Deps } from './deps.js';
import { wireLifecycle } from './lifecycle.js';
import { baseReadiness, closeIo, listen, type Running } from './running.js';

/** The message flows' worker with its activities, publishing through `lifecycle`'s publisher. */
export function startFlowWorker(
  deps: Deps,
  lifecycle: Lifecycle,
  workflowBundle?: WorkflowBundleOption,
): MessageWorker {
  const { config, logger, metrics } = deps;
  const channels = createChannels({ graphApiBaseUrl: config.channels.graphApiBaseUrl, links: deps.links });
  return startMessageWorker({
    temporal: deps.temporal,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      orm: deps.orm,
      lifecycle,
      llm: deps.llm,
      channels: instrumentChannels(channels, metrics),
      logger,
      history: { maxMessages: config.llm.historyMaxMessages, maxChars: config.llm.historyMaxChars },
      reply: { maxTokens: config.llm.maxTokens, maxChars: config.llm.replyMaxChars },
    }),
    metrics,
    logger,
    workflowBundle: workflowBundle ?? (config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined),
    dataDir: config.dataDir,
  });
}

/**
 * The worker role: runs the message flows, and serves /health, /health/ready and /metrics. It
 * publishes through a headless Socket.IO server on the shared Redis stream, which the API
 * processes relay to their clients.
 */
export async function startWorker(
  deps: Deps,
  options: { workflowBundle?: WorkflowBundleOption } = {},
): Promise<Running> {
  if (!deps.bus) {
    throw new Error('A worker in its own process needs REDIS_URL to reach the API processes’ Socket.IO clients.');
  }
  const headless: IoServer = new Server({ adapter: deps.bus.adapter });
  const worker = startFlowWorker(deps, wireLifecycle(deps, createSocketPublisher(headless)), options.workflowBundle);
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
      await closeIo(headless);
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
