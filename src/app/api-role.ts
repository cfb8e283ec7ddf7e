import { createServer, type RequestListener } from 'node:http';
import { createApp } from '../http/app.js';
import { healthRoutes } from '../http/health.routes.js';
import { closeIo, serveSockets } from '../realtime/gateway.js';
import { startOutboxSweeper } from '../temporal/outbox-sweeper.js';
import type { Deps } from './deps.js';
import { apiRoutes } from './routes.js';
import { baseReadiness, listen, type Running } from './running.js';

/**
 * The API role: HTTP (the declared routes), Socket.IO (the process's server, attached to the same
 * HTTP server) and the outbox sweeper.
 */
export async function startApi(deps: Deps): Promise<Running> {
  const { config, io, lifecycle, orm, logger, metrics, limits, temporal, origins } = deps;
  const readiness = baseReadiness(deps);
  const routes = apiRoutes(deps);
  const health = healthRoutes({ readiness, metrics, sdkMetricsUrl: deps.sdkMetricsUrl });
  const koa = createApp({ health, routes, jwtSecret: config.jwtSecret, orm, logger, metrics, origins });
  koa.proxy = config.web.trustProxy;
  const serve = koa.callback();
  // Socket.IO takes over its own path from the request listener present when it attaches; the
  // listener forwards everything else to Koa.
  const handleRequest: RequestListener = (req, res) => void serve(req, res);
  const http = createServer(handleRequest);
  io.attach(http);
  serveSockets(io, { orm, jwtSecret: config.jwtSecret, logger, limits, metrics, origins, receipt: lifecycle.receive });
  const sweeper = startOutboxSweeper({
    orm,
    temporal,
    lifecycle,
    logger,
    metrics,
    startFlow: lifecycle.startFlow,
    ...config.outbox,
  });

  const url = await listen(http, config.port, config.host);
  return {
    url,
    readiness,
    api: { koa, routes: [...health, ...routes] },
    failed: new Promise<never>(() => undefined),
    async stop() {
      await sweeper.stop();
      io.disconnectSockets(true);
      await closeIo(io); // its engine's connections, then the HTTP server it is attached to
    },
  };
}
