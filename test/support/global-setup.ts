import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { publishTestEnv } from './env.js';
import { freePort } from './ports.js';

/**
 * Once per run: a real Temporal dev server (in memory, tuned as in production) with its Web UI (the
 * apps' `links` point into it; the browser suite opens them), a fresh PostgreSQL database, and the
 * workflow bundle built once for every worker the tests start.
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `chatflow_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;

  const temporal = await startDevServer({
    cliPath: process.env.TEMPORAL_CLI_PATH,
    port: await freePort(),
    uiPort: await freePort(),
    // Left to the app: the tests then show that it registers them itself.
    searchAttributes: false,
  });

  const dir = mkdtempSync(join(tmpdir(), 'chatflow-test-'));
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  const bundle = await buildWorkflowBundle();
  writeFileSync(workflowBundlePath, bundle.code);

  publishTestEnv({
    temporalAddress: temporal.address,
    temporalUiUrl: temporal.uiUrl!,
    databaseUrl: databaseUrl.toString(),
    workflowBundlePath,
    jwtSecret: 'test-secret-of-at-least-32-characters-0123456789',
  });
  (globalThis as Record<string, unknown>).__chatflowTeardown = async () => {
    await temporal.stop();
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop database if exists ${dbName} with (force)`);
    await client.end();
  };
}
