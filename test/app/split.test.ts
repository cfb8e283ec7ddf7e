import { afterAll, describe, expect, it } from '@jest/globals';
import { testEnv } from '../support/env.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, connectSocket, createChatbot, tokenFor } from '../support/harness.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';

const processes: AppProcess[] = [];
let llm: FakeLlm | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  await llm?.close();
});

describe('API and worker as separate processes', () => {
  it('refuses to start a split role without the shared services', async () => {
    const shared = testEnv();
    await expect(
      startAppProcess({ DATABASE_URL: shared.databaseUrl, TEMPORAL_ADDRESS: shared.temporalAddress, JWT_SECRET: 'x' }, 30_000, [], 'src/api.ts'),
    ).rejects.toThrow('needs REDIS_URL');
  });

  it('delivers replies produced in the worker process to clients of the API process, through Redis', async () => {
    llm = await startFakeLlm();
    const shared = testEnv();
    const env = {
      JWT_SECRET: shared.jwtSecret,
      DATABASE_URL: shared.databaseUrl,
      TEMPORAL_ADDRESS: shared.temporalAddress,
      TEMPORAL_TASK_QUEUE: `split-${crypto.randomUUID()}`,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_STREAM_NAME: `chatflow-test:${crypto.randomUUID()}`,
      OPENAI_BASE_URL: llm.url,
      WORKFLOW_BUNDLE_PATH: shared.workflowBundlePath,
    };
    const api = await startAppProcess({ ...env, PORT: '0', HOST: '127.0.0.1' }, 60_000, [], 'src/api.ts');
    processes.push(api);
    expect(api.output()).toContain('Role:        api');

    const token = tokenFor(`split-${crypto.randomUUID()}`);
    const http = apiClient(api.url, token);
    const bot = await createChatbot(http);
    const first = await http('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: 'u', content: 'anyone?', channel: 'WIDGET' } });
    expect(first.status).toBe(202);
    const conversationId = first.body.data.conversation.id;
    const socket = await connectSocket(api.url, token);
    await socket.emitWithAck('subscribe', { conversationId });

    // The API process runs no flows: nothing reaches the LLM until a worker is there.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(llm.requests).toHaveLength(0);

    const worker = await startAppProcess(env, 60_000, [], 'src/worker.ts');
    processes.push(worker);
    expect(worker.output()).toContain('Role:        worker');
    expect(worker.output()).not.toContain('API:');

    const reply = await socket.waitFor((e) => e.event === 'message' && e.payload.role === 'ASSISTANT', 40_000);
    expect(reply.payload).toMatchObject({ conversationId, content: 'Echo: anyone?' });
    await socket.waitFor((e) => e.event === 'message:status' && e.payload.status === 'SENT');
    const kinds = new Set(socket.events.map((e) => e.event));
    for (const kind of ['typing', 'message:delta', 'message', 'message:status']) expect(kinds.has(kind)).toBe(true);
    socket.close();
  });
});
