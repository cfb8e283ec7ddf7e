import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { Server } from 'socket.io';
import { createActivities } from '../activities/index.js';
import type { Deps } from './deps.js';
import { createApp } from './http/app.js';
import { createMessageService } from './modules/messages/message.service.js';
import { createGateway, type IoServer } from './realtime/gateway.js';
import { createSocketPublisher, type Publisher } from './realtime/publisher.js';
import { createFlowInspector, createFlowStarter, createTurnNotifier } from './temporal/flows.js';
import { startOutboxSweeper } from './temporal/outbox-sweeper.js';
import { cachedWorkflowBundle } from './temporal/workflow-bundle.js';

export interface Running {
  /** The API's URL; absent for a worker-only process. */
  url?: string;
  stop(): Promise<void>;
}

export interface RunningApi extends Running {
  url: string;
  publisher: Publisher;
}

/**
 * The API process: HTTP, the Socket.IO gateway and the outbox sweeper. `eagerStart` only when a
 * worker polls the same task queue in this process.
 */
export async function startApi(deps: Deps, options: { eagerStart: boolean }): Promise<RunningApi> {
  const { config, orm, logger } = deps;
  const startFlow = createFlowStarter(deps.client, {
    taskQueue: config.temporal.taskQueue,
    eager: options.eagerStart,
    timeoutMs: config.temporal.startTimeoutMs,
    turnRecheckSeconds: config.temporal.turnRecheckSeconds,
  });
  // Socket.IO takes over its own path from the request listener present when it attaches; the
  // listener forwards everything else to Koa, which needs the publisher that needs Socket.IO.
  let handleRequest: RequestListener = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handleRequest(req, res));
  const io = createGateway(http, { orm, jwtSecret: config.jwtSecret, logger, adapter: deps.bus?.adapter });
  const publisher = createSocketPublisher(io);
  const messages = createMessageService({ startFlow, publisher, logger });
  handleRequest = createApp({ orm, messages, jwtSecret: config.jwtSecret, logger }).callback();
  const sweeper = startOutboxSweeper({ orm, startFlow, logger, ...config.outbox });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publisher,
    async stop() {
      await sweeper.stop();
      io.disconnectSockets(true);
      await closeIo(io);
    },
  };
}

/**
 * The worker: runs the message flows. In its own process it publishes through a headless Socket.IO
 * server on the shared Redis stream, which the API processes relay to their clients.
 */
export async function startWorker(deps: Deps, options: { publisher?: Publisher; workflowBundle?: WorkflowBundleOption } = {}): Promise<Running> {
  const { config, orm, logger } = deps;
  let headless: IoServer | undefined;
  let publisher = options.publisher;
  if (!publisher) {
    if (!deps.bus) throw new Error('A worker in its own process needs REDIS_URL to reach the API processes’ Socket.IO clients.');
    headless = new Server({ adapter: deps.bus.adapter });
    publisher = createSocketPublisher(headless);
  }
  const worker = await Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: options.workflowBundle ?? { codePath: config.workflowBundlePath ?? (await cachedWorkflowBundle(config.dataDir)) },
    activities: createActivities({
      orm,
      publisher,
      llm: deps.llm,
      notifyTurn: createTurnNotifier(deps.client, logger),
      flowIsOpen: createFlowInspector(deps.client),
      history: { maxMessages: config.llm.historyMaxMessages, maxChars: config.llm.historyMaxChars },
    }),
    shutdownGraceTime: '5s',
  });
  const done = worker.run();
  done.catch((err) => logger.error('worker stopped', { err }));
  return {
    async stop() {
      worker.shutdown();
      await done.catch(() => undefined);
      if (headless) await closeIo(headless);
    },
  };
}

/** All in one process: API, Socket.IO and the worker, publishing in-process. */
export async function startAllInOne(deps: Deps, options: { workflowBundle?: WorkflowBundleOption } = {}): Promise<Running & { url: string }> {
  const api = await startApi(deps, { eagerStart: true });
  const worker = await startWorker(deps, { publisher: api.publisher, workflowBundle: options.workflowBundle }).catch(async (err) => {
    await api.stop();
    throw err;
  });
  return {
    url: api.url,
    async stop() {
      await api.stop();
      await worker.stop();
    },
  };
}

/** io.close() throws once it has closed its adapters (Redis Streams); closing is all we want. */
async function closeIo(io: IoServer): Promise<void> {
  await new Promise<void>((resolve) => {
    try {
      io.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
