import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { testEnv } from '../support/env.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, tokenFor, waitFor } from '../support/harness.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';

let llm: FakeLlm;
let connection: Connection;
let running: AppProcess | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  connection = await Connection.connect({ address: testEnv().temporalAddress });
});
afterAll(async () => {
  running?.child.kill('SIGKILL');
  await connection?.close();
  await llm?.close();
});

describe('a worker that dies in the middle of a flow', () => {
  it('is replaced by a restarted process, and the reply still arrives exactly once', async () => {
    const shared = testEnv();
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: shared.jwtSecret,
      DATABASE_URL: shared.databaseUrl,
      TEMPORAL_ADDRESS: shared.temporalAddress,
      TEMPORAL_TASK_QUEUE: `crash-${crypto.randomUUID()}`,
      OPENAI_BASE_URL: llm.url,
      WORKFLOW_BUNDLE_PATH: shared.workflowBundlePath,
    };
    running = await startAppProcess(env);
    const token = tokenFor(`crash-${crypto.randomUUID()}`);
    const api = apiClient(running.url, token);
    const bot = await createChatbot(api);

    llm.script({ kind: 'hang' });
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'survive this', channel: 'WIDGET' },
    });
    expect(sent.status).toBe(202);
    await llm.waitForRequests(1); // generation is in flight inside the process

    running.child.kill('SIGKILL');
    await running.exited;
    llm.release();

    running = await startAppProcess(env);
    const restartedApi = apiClient(running.url, token);
    const conversationId = sent.body.data.conversation.id;
    const messages = await waitFor(
      async () => {
        const rows = (await restartedApi('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
        return rows.some((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'SENT') ? rows : undefined;
      },
      40_000,
      'the reply after the restart',
    );

    expect(messages.map((m) => [m.seq, m.role, m.content])).toEqual([
      [1, 'USER', 'survive this'],
      [2, 'ASSISTANT', 'Echo: survive this'],
    ]);
    expect(llm.requests).toHaveLength(2);
    const handle = new Client({ connection }).workflow.getHandle(`message-${sent.body.data.message.id}`);
    expect(await handle.result()).toMatchObject({ status: 'REPLIED', replyId: messages[1].id });

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = undefined;
  });
});
