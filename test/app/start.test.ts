import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../support/env.js';
import { apiClient, connectSocket, createChatbot, tokenFor, waitFor } from '../support/harness.js';
import { spawnApp, splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { freePort } from '../support/ports.js';

const dataDir = mkdtempSync(join(tmpdir(), 'chatflow-start-'));
let running: AppProcess | undefined;

afterAll(() => {
  running?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('npm start with nothing configured', () => {
  it('embeds Temporal, PostgreSQL and an echo LLM, answers, survives a restart and shuts down cleanly', async () => {
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    const env = {
      PORT: '0', // the app reports the port it got
      DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      WORKFLOW_BUNDLE_PATH: testEnv().workflowBundlePath,
    };
    try {
      running = await startAppProcess(env);
      expect(running.output()).toMatch(/API: +http:\/\/127\.0\.0\.1:\d+\n/);
      expect(running.temporalUiUrl).toBe(`http://127.0.0.1:${uiPort}`);
      expect(running.output()).toMatch(/LLM: +built-in echo model at http:\/\/127\.0\.0\.1:\d+\/v1/);
      expect((await fetch(running.temporalUiUrl)).status).toBe(200);
      // No JWT_SECRET on loopback: a development secret of its own, said loudly, kept in DATA_DIR.
      expect(running.output()).toContain(
        `WARNING: JWT_SECRET is not set. Tokens are signed with a development secret kept in ${join(dataDir, 'dev-jwt-secret')}`,
      );
      const devSecret = readFileSync(join(dataDir, 'dev-jwt-secret'), 'utf8').trim();
      expect(devSecret.length).toBeGreaterThanOrEqual(32);

      const token = tokenFor(`start-${crypto.randomUUID()}`, {}, devSecret);
      const api = apiClient(running.url, token);
      const bot = await createChatbot(api);
      const hello = await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, externalUserId: 'u', content: 'hello', channel: 'WIDGET' },
      });
      const conversationId = hello.body.data.conversation.id;
      const socket = await connectSocket(running.url, token);
      await socket.emitWithAck('subscribe', { conversationId });
      await waitFor(
        async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 2,
        20_000,
        'first reply',
      );
      const sent = await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, conversationId, externalUserId: 'u', content: 'persist me', channel: 'WIDGET' },
      });
      // The README's promise: with nothing configured, a socket.io-client sees the assistant's reply.
      const reply = await socket.waitFor(
        (e) => e.event === 'message' && e.payload.role === 'ASSISTANT' && e.payload.content === 'Echo: persist me',
      );
      expect(reply.payload).toMatchObject({ conversationId, seq: 4 });
      socket.close();

      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      expect(await portOpen(temporalPort)).toBe(false); // the embedded dev server stopped with it

      running = await startAppProcess(env);
      // The same development secret after a restart: tokens stay valid.
      expect(readFileSync(join(dataDir, 'dev-jwt-secret'), 'utf8').trim()).toBe(devSecret);
      const again = apiClient(running.url, token);
      const history = await again('GET', `/messages/conversation/${conversationId}`);
      expect(history.body.data.map((m: any) => m.content)).toEqual([
        'hello',
        'Echo: hello',
        'persist me',
        'Echo: persist me',
      ]);
      // The flow's state lives in the dev server's file under DATA_DIR: the UI still has it, and a
      // flow interrupted by the shutdown is finished by the restarted worker.
      const workflowUrl = `${running.temporalUiUrl}/api/v1/namespaces/default/workflows/message-${sent.body.data.message.id}`;
      await waitFor(
        async () => {
          const ui = await fetch(workflowUrl);
          return ui.status === 200 && JSON.stringify(await ui.json()).includes('WORKFLOW_EXECUTION_STATUS_COMPLETED');
        },
        30_000,
        'the flow to complete after the restart',
      );
      const afterRestart = await again('GET', `/messages/conversation/${conversationId}`);
      expect(afterRestart.body.data.map((m: any) => [m.role, m.deliveryStatus])).toEqual([
        ['USER', 'SENT'],
        ['ASSISTANT', 'SENT'],
        ['USER', 'SENT'],
        ['ASSISTANT', 'SENT'],
      ]);

      running.child.kill('SIGINT');
      expect(await running.exited).toBe(0);
      running = undefined;
    } finally {
      running?.child.kill('SIGKILL');
    }
  });
});

describe('a stop asked for during start-up', () => {
  it('is handled in order (exit 0), not by the default signal action', async () => {
    // A database that accepts connections and never answers holds the process inside its start-up.
    const held: Socket[] = [];
    let reached!: () => void;
    const startingUp = new Promise<void>((resolve) => (reached = resolve));
    const silentDatabase = createServer((socket) => (held.push(socket), reached()));
    await new Promise<void>((resolve) => silentDatabase.listen(0, '127.0.0.1', resolve));
    const { port } = silentDatabase.address() as AddressInfo;
    const app = spawnApp(
      splitRoleEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/never`, DATA_DIR: dataDir }),
    );
    try {
      await startingUp;
      app.child.kill('SIGTERM');
      // Positive signal either way: the process says it is shutting down, or it is gone.
      await Promise.race([
        waitFor(() => app.output().includes('SIGTERM: shutting down'), 20_000, 'the shutdown notice'),
        app.exited,
      ]);
      for (const socket of held) socket.destroy(); // the start-up now fails, and the stop goes on
      expect({ exit: await app.exited, output: app.output() }).toEqual({ exit: 0, output: 'SIGTERM: shutting down\n' });
    } finally {
      app.child.kill('SIGKILL');
      silentDatabase.close();
    }
  });
});
