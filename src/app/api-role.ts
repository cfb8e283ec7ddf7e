import { createServer, type RequestListener } from 'node:http';
import { createChannels } from '../channels/index.js';
import { createApp } from '../http/app.js';
import { healthRoutes } from '../http/health.routes.js';
import type { Lifecycle } from '../lifecycle/index.js';
import { outboxLagSeconds } from '../lifecycle/outbox.js';
import { createRateLimits } from '../limits/rate-limits.js';
import { NAMESPACE } from '../realtime/events.js';
import { createIoServer, serveSockets, type IoServer } from '../realtime/gateway.js';
import { createSocketPublisher } from '../realtime/socket-publisher.js';
import { startOutboxSweeper } from '../temporal/outbox-sweeper.js';
import type { Deps } from './deps.js';
import { wireLifecycle } from './lifecycle.js';
import { apiRoutes } from './routes.js';
import { baseReadiness, closeIo, listen, type Running } from './running.js';

export interface RunningApi extends Running {
  /** This process's lifecycle, on its own Socket.IO server: a worker in the same process shares it. */
  lifecycle: Lifecycle;
}

/**
 * The API process: HTTP, the Socket.IO gateway and the outbox sweeper. `eagerStart` says, per
 * start, whether a worker of the same task queue in this process should take the flow at once.
 */
export async function startApi(deps: Deps, options: { eagerStart: () => boolean }): Promise<RunningApi> {
  const { config, orm, logger, metrics } = deps;
  // Socket.IO takes over its own path from the request listener present when it attaches; the
  // listener forwards everything else to Koa, whose routes need the lifecycle that needs Socket.IO.
  let handleRequest: RequestListener = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handleRequest(req, res));
  const io = createIoServer(http, deps.bus?.adapter);
  const lifecycle = wireLifecycle(deps, createSocketPublisher(io), options.eagerStart);
  // Counted in Redis when there is one, so the limits hold across every API process.
  const limits = createRateLimits({
    redis: deps.bus?.redis,
    keyPrefix: config.limits.keyPrefix,
    defaults: config.limits,
    logger,
    onRefused: (limit) => metrics.rateLimited.inc({ limit }),
  });
  serveSockets(io, { orm, jwtSecret: config.jwtSecret, logger, limits, receipt: lifecycle.receive });
  const readiness = baseReadiness(deps);
  const channels = createChannels({ graphApiBaseUrl: config.channels.graphApiBaseUrl, links: deps.links });
  const routes = apiRoutes(deps, { lifecycle, limits, channels });
  const health = healthRoutes({ readiness, metrics, sdkMetricsUrl: deps.sdkMetricsUrl });
  const koa = createApp({ health, routes, jwtSecret: config.jwtSecret, logger, metrics });
  const serve = koa.callback();
  handleRequest = (req, res) => void serve(req, res);
  watchApi(deps, io);
  const sweeper = startOutboxSweeper({
    orm,
    temporal: deps.temporal,
    startFlow: lifecycle.startFlow,
    lifecycle,
    logger,
    ...config.outbox,
  });

  const url = await listen(http, config.port, config.host);
  return {
    url,
    readiness,
    lifecycle,
    api: { koa, routes: [...health, ...routes] },
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
