/**
 * The bare ceiling, a process of its own: insert a row into PostgreSQL and start a workflow; and a
 * plain workflow of three activities that each touch PostgreSQL. No outbox, no ordering, no
 * exactly-once, no eager start: what the engine does with nothing on top.
 * Env: TEMPORAL_ADDRESS, DATABASE_URL. Prints one JSON line of figures.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { summarize, timed } from '../lib/stats.js';

const BACKLOG_STARTS = Number(process.env.CEILING_STARTS ?? 200);
const SEQUENTIAL_E2E = Number(process.env.CEILING_E2E ?? 100);
const BURST = Number(process.env.CEILING_BURST ?? 500);
const CONCURRENCY = 50;

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
});
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(
  'create table if not exists ceiling_row (id uuid primary key, n integer not null default 0, created_at timestamptz not null default now())',
);

const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const taskQueue = `ceiling-${randomUUID()}`;
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflow.ts', import.meta.url)),
  activities: {
    async touch(id: string) {
      await pool.query('update ceiling_row set n = n + 1 where id = $1', [id]);
    },
  },
});
const running = worker.run();
const client = new Client({ connection });

const insertAndStart = async () => {
  const id = randomUUID();
  await pool.query('insert into ceiling_row (id) values ($1)', [id]);
  return client.workflow.start('CeilingWorkflow', { workflowId: `ceiling-${id}`, taskQueue, args: [id] });
};

// Warm up: the first workflows pay for connections and the worker's first bundle load.
for (let i = 0; i < 10; i++) await (await insertAndStart()).result();

// Idle: each start after the previous workflow closed (awaited result) — also the sequential e2e.
const idleStarts: number[] = [];
const e2e: number[] = [];
for (let i = 0; i < SEQUENTIAL_E2E; i++) {
  const [startMs, handle] = await timed(insertAndStart);
  const [resultMs] = await timed(() => handle.result());
  idleStarts.push(startMs);
  e2e.push(startMs + resultMs);
}

// Backlog: starts back to back, each while the workflows started before it still run.
const backlogStarts: number[] = [];
const handles = [];
for (let i = 0; i < BACKLOG_STARTS; i++) {
  const [ms, handle] = await timed(insertAndStart);
  backlogStarts.push(ms);
  handles.push(handle);
}
await Promise.all(handles.map((h) => h.result()));

const burstE2e: number[] = [];
let next = 0;
const began = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < BURST) {
      next++;
      burstE2e.push((await timed(async () => (await insertAndStart()).result()))[0]);
    }
  }),
);
const burstSeconds = (performance.now() - began) / 1000;

worker.shutdown();
await running;
await connection.close();
await pool.end();
process.stdout.write(
  `${JSON.stringify({
    insertAndStartIdle: summarize(idleStarts),
    insertAndStartBacklog: summarize(backlogStarts),
    workflowE2e: summarize(e2e),
    burst: {
      workflows: BURST,
      concurrency: CONCURRENCY,
      seconds: burstSeconds,
      perSecond: BURST / burstSeconds,
      e2e: summarize(burstE2e),
    },
  })}\n`,
);
