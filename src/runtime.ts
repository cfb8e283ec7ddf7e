import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { Deps } from './deps.js';
import { createReadiness, type Readiness } from './health/readiness.js';
import { createApp, createHealthApp } from './http/app.js';
import { createRateLimits } from './limits/rate-limits.js';
import { createConversationActions } from './modules/conversations/conversation.actions.js';
import { createMessageService } from './modules/messages/message.service.js';
import { outboxLagSeconds } from './modules/messages/turns.store.js';
import { createWhatsAppInbound } from './modules/whatsapp/whatsapp-inbound.js';
import { NAMESPACE } from './realtime/events.js';
import { createGateway, type IoServer } from './realtime/gateway.js';
import { createSocketPublisher, type Publisher } from './realtime/publisher.js';
import { createFlowStarter } from './temporal/flows.js';
import { startOutboxSweeper } from './temporal/outbox-sweeper.js';
import { startMessageWorker, type MessageWorker } from './temporal/message-worker.js';

export interface Running {
  /** The HTTP server's URL (the API, or a worker's health endpoints). */
  url: string;
  readiness: Readiness;
  /** Rejects when a part this process cannot do without stops by itself (the worker): exit non-zero. */
  failed: Promise<never>;
  stop(): Promise<void>;
}

export interface RunningApi extends Running {
  publisher: Publisher;
}

/** The checks every process shares: its database, Temporal, and Redis when configured. */
function baseReadiness(deps: Deps): Readiness {
  const readiness = createReadiness();
  readiness.add('database', async () => void (await deps.orm.em.fork().execute('select 1')));
  readiness.add('temporal', async () => {
    const session = deps.temporal.current();
    if (!session) return 'connecting';
    await session.connection.withDeadline(Date.now() + 1500, () =>
      session.connection.workflowService.getSystemInfo({}),
    );
  });
  if (deps.bus) readiness.add('redis', async () => void (await deps.bus!.ping()));
  return readiness;
}

/**
 * The API process: HTTP, the Socket.IO gateway and the outbox sweeper. `eagerStart` says, per
 * start, whether a worker of the same task queue in this process should take the flow at once.
 */
export async function startApi(deps: Deps, options: { eagerStart: () => boolean }): Promise<RunningApi> {
  const { config, orm, logger } = deps;
  const startFlow = createFlowStarter(deps.temporal, {
    taskQueue: config.temporal.taskQueue,
    eager: options.eagerStart,
    timeoutMs: config.temporal.startTimeoutMs,
    turnRecheckSeconds: config.temporal.turnRecheckSeconds,
  });
  // Socket.IO takes over its own path from the request listener present when it attaches; the
  // listener forwards everything else to Koa, which needs the publisher that needs Socket.IO.
  let handleRequest: RequestListener = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handleRequest(req, res));
  // Counted in Redis when there is one, so the limits hold across every API process.
  const limits = createRateLimits({
    redis: deps.bus?.redis,
    keyPrefix: config.limits.keyPrefix,
    defaults: config.limits,
    logger,
    onRefused: (limit) => deps.metrics.rateLimited.inc({ limit }),
  });
  const io = createGateway(http, { orm, jwtSecret: config.jwtSecret, logger, adapter: deps.bus?.adapter, limits });
  const publisher = createSocketPublisher(io);
  const messages = createMessageService({
    startFlow,
    publisher,
    logger,
    limits,
    metrics: deps.metrics,
    links: deps.links,
  });
  const readiness = baseReadiness(deps);
  const conversationActions = createConversationActions({ publisher, links: deps.links });
  const whatsAppInbound = createWhatsAppInbound({ orm, messages, publisher, logger });
  handleRequest = createApp({
    orm,
    messages,
    conversationActions,
    whatsAppInbound,
    jwtSecret: config.jwtSecret,
    logger,
    readiness,
    metrics: deps.metrics,
    sdkMetricsUrl: deps.sdkMetricsUrl,
    links: deps.links,
  }).callback();
  watchApi(deps, io);
  const sweeper = startOutboxSweeper({
    orm,
    temporal: deps.temporal,
    startFlow,
    publisher,
    logger,
    links: deps.links,
    ...config.outbox,
  });

  const url = await listen(http, config.port, config.host);
  return {
    url,
    readiness,
    publisher,
    failed: new Promise<never>(() => undefined),
    async stop() {
      await sweeper.stop();
      io.disconnectSockets(true);
      await closeIo(io);
    },
  };
}

/** The API's gauges, read at each scrape: its connected sockets and the outbox's lag. */
function watchApi({ metrics, orm }: Deps, io: IoServer): void {
  metrics.probe(() => metrics.socketsConnected.set(io.of(NAMESPACE).sockets.size), metrics.socketsConnected);
  metrics.probe(async () => metrics.outboxLag.set(await outboxLagSeconds(orm.em.fork())), metrics.outboxLag);
}

/**
 * The worker role: runs the message flows, and serves /health and /health/ready. It publishes
 * through a headless Socket.IO server on the shared Redis stream, which the API processes relay
 * to their clients.
 */
export async function startWorker(
  deps: Deps,
  options: { workflowBundle?: WorkflowBundleOption } = {},
): Promise<Running> {
  if (!deps.bus)
    throw new Error('A worker in its own process needs REDIS_URL to reach the API processes’ Socket.IO clients.');
  const headless: IoServer = new Server({ adapter: deps.bus.adapter });
  const worker = startMessageWorker(deps, {
    publisher: createSocketPublisher(headless),
    workflowBundle: options.workflowBundle,
  });
  const readiness = baseReadiness(deps);
  readiness.add('worker', worker.check);
  const http = createServer(createHealthApp(readiness, deps.logger, deps.metrics, deps.sdkMetricsUrl).callback());
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

/**
 * All in one process: API, Socket.IO and the worker, publishing in-process. A flow starts eagerly
 * (its first task handed to this worker with the start, saving a round trip) only while the worker
 * is lightly loaded. Under load an eager start skips the task queue whenever a slot happens to be
 * free, while the flows that did not get one wait behind every running flow's next task: a
 * burst's p99 was 2-3x the plain engine's. Through the queue every flow waits its turn alike.
 */
export async function startAllInOne(
  deps: Deps,
  options: { workflowBundle?: WorkflowBundleOption } = {},
): Promise<Running> {
  let worker: MessageWorker | undefined;
  const api = await startApi(deps, { eagerStart: () => worker?.lightlyLoaded() ?? false });
  worker = startMessageWorker(deps, { publisher: api.publisher, workflowBundle: options.workflowBundle });
  api.readiness.add('worker', worker.check);
  return {
    url: api.url,
    readiness: api.readiness,
    failed: worker.failed,
    async stop() {
      await api.stop();
      await worker.stop();
    },
  };
}

async function listen(http: HttpServer, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const { port: bound } = http.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`;
}

/**
 * Closes a Socket.IO server and its adapters. A headless server (a worker's) has no engine, which
 * io.close() would call after closing the adapters and fail on asynchronously: close those alone.
 */
async function closeIo(io: IoServer): Promise<void> {
  if (!(io as { engine?: unknown }).engine) {
    await Promise.allSettled([io.of('/'), io.of(NAMESPACE)].map(async (nsp) => nsp.adapter.close()));
    return;
  }
  await io.close().catch(() => undefined);
}
