import { afterAll, describe, expect, it } from '@jest/globals';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, settledHistory, tokenFor, waitFor } from '../support/harness.js';
import { splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { freePort } from '../support/ports.js';

const processes: AppProcess[] = [];
const servers: DevServer[] = [];
let llm: FakeLlm | undefined;
let db: ScratchDatabase | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
  for (const server of servers) await server.stop();
  await llm?.close();
  await db?.drop();
});

/**
 * A role's environment on this suite's own database (while its Temporal server is missing, no other
 * suite's sweeper may see its messages), the local Redis, and a Temporal address of the test's choice.
 */
async function roleEnv(temporalAddress: string, extra: Record<string, string> = {}) {
  db ??= await createScratchDatabase('readiness');
  return splitRoleEnv({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporalAddress, ...extra });
}

const ready = (url: string) => apiClient(url)('GET', '/health/ready');

describe('readiness tells the truth', () => {
  it('API and worker started during a Temporal outage start anyway, report not-ready, keep accepting sends, and answer once Temporal is back', async () => {
    llm = await startFakeLlm();
    const port = await freePort();
    const env = await roleEnv(`127.0.0.1:${port}`, {
      OPENAI_BASE_URL: llm.url,
      OUTBOX_SWEEP_INTERVAL_MS: '250',
      OUTBOX_GRACE_MS: '500',
    });
    const api = await startAppProcess(env, 60_000, [], 'src/api.ts');
    processes.push(api);
    const worker = await startAppProcess(env, 60_000, [], 'src/worker.ts');
    processes.push(worker);
    expect(worker.output()).toMatch(/Health: +http:\/\/127\.0\.0\.1:\d+\n/);
    const workerUrl = /Health:\s+(\S+)/.exec(worker.output())![1];

    // Liveness stays ok; readiness names what is missing.
    expect((await apiClient(api.url)('GET', '/health')).body).toEqual({ status: 'ok' });
    const apiNotReady = await ready(api.url);
    expect(apiNotReady.status).toBe(503);
    expect(apiNotReady.contentType).toContain('application/problem+json');
    expect(apiNotReady.body).toMatchObject({
      status: 503,
      detail: 'Not ready: temporal',
      checks: { database: 'ok', temporal: 'connecting', redis: 'ok' },
    });
    const workerNotReady = await ready(workerUrl);
    expect(workerNotReady.status).toBe(503);
    expect(workerNotReady.body.checks).toEqual({
      database: 'ok',
      temporal: 'connecting',
      redis: 'ok',
      worker: 'starting',
    });

    // Sends go into the outbox meanwhile.
    const http = apiClient(api.url, tokenFor(`ready-${crypto.randomUUID()}`));
    const bot = await createChatbot(http);
    const sent = await http('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'while Temporal is away', channel: 'WIDGET' },
    });
    expect(sent.status).toBe(202);

    // Temporal comes up (without the flow's search attributes: the roles register them).
    servers.push(await startDevServer({ port, uiPort: await freePort(), headless: true, searchAttributes: false }));
    for (const url of [api.url, workerUrl])
      await waitFor(async () => (await ready(url)).status === 200, 30_000, `${url} to be ready`);
    expect((await ready(workerUrl)).body).toEqual({
      status: 'ready',
      checks: { database: 'ok', temporal: 'ok', redis: 'ok', worker: 'ok' },
    });
    const rows = await settledHistory(http, sent.body.data.conversation.id, 2, 30_000);
    expect(rows.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'while Temporal is away', 'SENT'],
      ['ASSISTANT', 'Echo: while Temporal is away', 'SENT'],
    ]);

    for (const p of [api, worker]) {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
  });

  it('a worker that dies makes its process exit non-zero, so a supervisor restarts it', async () => {
    // A server with short long-polls and namespace-cache refreshes, so the death comes within ~1 min.
    const port = await freePort();
    const server = await startDevServer({
      port,
      uiPort: await freePort(),
      headless: true,
      dynamicConfig: ['matching.longPollExpirationInterval="3s"', 'system.namespaceCacheRefreshInterval="1s"'],
    });
    servers.push(server);
    const namespace = `doomed-${crypto.randomUUID().slice(0, 8)}`;
    const connection = await Connection.connect({ address: server.address });
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      const env = await roleEnv(server.address, { TEMPORAL_NAMESPACE: namespace });
      // The worker checks its namespace when it starts: start it once the frontend knows it.
      await waitFor(
        () =>
          connection.workflowService.describeNamespace({ namespace }).then(
            () => true,
            () => false,
          ),
        30_000,
        'the namespace',
      );
      const worker = await startAppProcess(env, 60_000, [], 'src/worker.ts');
      processes.push(worker);
      const health = /Health:\s+(\S+)/.exec(worker.output())![1];
      await waitFor(
        async () => (await ready(health).catch(() => undefined))?.status === 200,
        60_000,
        `the worker to run:\n${worker.output()}`,
      );

      await connection.operatorService.deleteNamespace({ namespace });
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        worker.exited,
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running after 180 s'), 180_000))),
      ]);
      clearTimeout(timer);
      expect({ code, output: code === 1 ? '' : worker.output() }).toEqual({ code: 1, output: '' });
      expect(worker.output()).toContain('the Temporal worker died; exiting so that a supervisor restarts the process');
      expect(worker.output()).toContain(`Namespace ${namespace} is not found`);
    } finally {
      await connection.close();
    }
  }, 300_000);
});
