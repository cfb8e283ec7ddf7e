import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startAppProcess } from '../../test/support/app-process.js';
import { freePort } from '../../test/support/ports.js';

const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Random per run: the product refuses short or well-known secrets.
export const JWT_SECRET = randomBytes(48).toString('base64url');

export interface BenchApp {
  url: string;
  temporalAddress: string;
  databaseUrl: string;
  db: pg.Pool;
  /** Resident set size of the all-in-one process, in MiB. */
  rssMiB(): number;
  /** The all-in-one process (its embedded Temporal dev server is its child). */
  pid: number;
  /** What the process printed (stdout and stderr), e.g. its warnings with BENCH_APP_ENV='LOG_LEVEL=info'. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The product as `npm start` runs it: one process with API, Socket.IO and worker, launching its own
 * embedded Temporal dev server; on a fresh PostgreSQL database made for this run.
 */
export async function startBenchApp(options: { llmUrl: string; tuned: boolean }): Promise<BenchApp> {
  const dbName = `chatflow_bench_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'chatflow-bench-'));
  const devPort = await freePort();

  const app = await startAppProcess(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET,
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_DEV_TUNED: String(options.tuned),
      OPENAI_BASE_URL: options.llmUrl,
      LOG_LEVEL: 'error',
      // The benchmarks measure the engine: its bursts are far over the default rate limits (src/limits).
      RATE_LIMIT_CUSTOMER_SENDS_PER_MINUTE: '0',
      RATE_LIMIT_USER_SENDS_PER_MINUTE: '0',
      RATE_LIMIT_SOCKET_EVENTS_PER_MINUTE: '0',
      // e.g. BENCH_APP_ENV='TURN_RECHECK_SECONDS=5 LOG_LEVEL=info' for experiments with the product's config
      ...Object.fromEntries(
        (process.env.BENCH_APP_ENV ?? '')
          .split(' ')
          .filter(Boolean)
          .map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]),
      ),
    },
    // e.g. BENCH_APP_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the product process
    60_000,
    process.env.BENCH_APP_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  );
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const pid = app.child.pid!;
  return {
    url: app.url,
    temporalAddress: `127.0.0.1:${devPort}`,
    databaseUrl,
    db,
    pid,
    output: app.output,
    rssMiB: () => {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      return Math.round(kb / 1024);
    },
    async stop() {
      await db.end();
      app.child.kill('SIGTERM');
      await app.exited;
      rmSync(dataDir, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${dbName} with (force)`);
      await cleanup.end();
    },
  };
}

/** Waits until every user message has been answered (no flow still running). */
export async function drain(db: pg.Pool, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `select count(*)::int as n from message where role = 'USER' and turn_finished_at is null`,
    );
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} messages still unanswered`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
