import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { createReadiness, type Readiness } from '../health/readiness.js';
import type { Route } from '../http/route.js';
import type { Deps } from './deps.js';

/** A role once started: what the process prints, checks and stops. */
export interface Running {
  /** The HTTP server's URL (the API, or a worker's health endpoints). */
  url: string;
  readiness: Readiness;
  /** Rejects when a part this process cannot do without stops by itself (the worker): exit non-zero. */
  failed: Promise<never>;
  /** The API's Koa app and the routes it serves, when this process serves the API. */
  api?: { koa: Koa; routes: Route[] };
  stop(): Promise<void>;
}

/** The checks every process shares: its database, Temporal, and Redis when configured. */
export function baseReadiness(deps: Deps): Readiness {
  const readiness = createReadiness();
  readiness.add('database', async () => void (await deps.orm.em.fork().execute('select 1')));
  readiness.add('temporal', async () => {
    const session = deps.temporal.current();
    if (!session) return 'connecting';
    await session.connection.withDeadline(Date.now() + 1500, () =>
      session.connection.workflowService.getSystemInfo({}),
    );
  });
  const bus = deps.bus;
  if (bus) readiness.add('redis', async () => void (await bus.ping()));
  return readiness;
}

export async function listen(http: HttpServer, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const { port: bound } = http.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`;
}
