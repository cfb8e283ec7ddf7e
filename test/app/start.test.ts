import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../support/env.js';
import { apiClient, connectSocket, createChatbot, tokenFor, waitFor } from '../support/harness.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
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
      JWT_SECRET: 'start-secret',
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

      const token = tokenFor(`start-${crypto.randomUUID()}`, {}, 'start-secret');
      const api = apiClient(running.url, token);
      const bot = await createChatbot(api);
      const hello = await api('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: 'u', content: 'hello', channel: 'WIDGET' } });
      const conversationId = hello.body.data.conversation.id;
      const socket = await connectSocket(running.url, token);
      await socket.emitWithAck('subscribe', { conversationId });
      await waitFor(async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 2, 20_000, 'first reply');
      const sent = await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, conversationId, externalUserId: 'u', content: 'persist me', channel: 'WIDGET' },
      });
      // The README's promise: with nothing configured, a socket.io-client sees the assistant's reply.
      const reply = await socket.waitFor((e) => e.event === 'message' && e.payload.role === 'ASSISTANT' && e.payload.content === 'Echo: persist me');
      expect(reply.payload).toMatchObject({ conversationId, seq: 4 });
      socket.close();

      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      expect(await portOpen(temporalPort)).toBe(false); // the embedded dev server stopped with it

      running = await startAppProcess(env);
      const again = apiClient(running.url, token);
      const history = await again('GET', `/messages/conversation/${conversationId}`);
      expect(history.body.data.map((m: any) => m.content)).toEqual(['hello', 'Echo: hello', 'persist me', 'Echo: persist me']);
      // The flow's state lives in the dev server's file under DATA_DIR: the UI still has it, and a
      // flow interrupted by the shutdown is finished by the restarted worker.
      const workflowUrl = `${running.temporalUiUrl}/api/v1/namespaces/default/workflows/message-${sent.body.data.message.id}`;
      await waitFor(async () => {
        const ui = await fetch(workflowUrl);
        return ui.status === 200 && JSON.stringify(await ui.json()).includes('WORKFLOW_EXECUTION_STATUS_COMPLETED');
      }, 30_000, 'the flow to complete after the restart');
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
