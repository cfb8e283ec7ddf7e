import { afterAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { testEnv } from '../support/env.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, connectSocket, createChatbot, settledHistory, tokenFor, waitFor } from '../support/harness.js';
import { splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';

const processes: AppProcess[] = [];
let llm: FakeLlm | undefined;
let temporal: Connection | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  await llm?.close();
  await temporal?.close();
});

const { EventType, PendingWorkflowTaskState, TaskQueueType } = proto.temporal.api.enums.v1;

describe('API and worker as separate processes', () => {
  it('refuses to start a split role without the shared services', async () => {
    const shared = testEnv();
    await expect(
      startAppProcess(
        { DATABASE_URL: shared.databaseUrl, TEMPORAL_ADDRESS: shared.temporalAddress, JWT_SECRET: shared.jwtSecret },
        30_000,
        [],
        'src/api.ts',
      ),
    ).rejects.toThrow(
      /exited with 1[\s\S]*Cannot start the api role: it runs beside other processes and needs REDIS_URL/,
    );
  });

  it('delivers replies produced in the worker process to clients of the API process, through Redis', async () => {
    llm = await startFakeLlm();
    const env = splitRoleEnv({ OPENAI_BASE_URL: llm.url });
    const api = await startAppProcess({ ...env, PORT: '0', HOST: '127.0.0.1' }, 60_000, [], 'src/api.ts');
    processes.push(api);
    expect(api.output()).toContain('Role:        api');

    const token = tokenFor(`split-${crypto.randomUUID()}`);
    const http = apiClient(api.url, token);
    const bot = await createChatbot(http);
    const first = await http('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'anyone?', channel: 'WIDGET' },
    });
    expect(first.status).toBe(202);
    const conversationId = first.body.data.conversation.id;
    const socket = await connectSocket(api.url, token);
    await socket.emitWithAck('subscribe', { conversationId });

    // The API process runs no flows: the message's flow exists, but its first workflow task is only
    // scheduled — no worker polls the task queue — and nothing has reached the LLM.
    temporal = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const client = new Client({ connection: temporal });
    const handle = client.workflow.getHandle(`message-${first.body.data.message.id}`);
    const described = await waitFor(() => handle.describe().catch(() => undefined), 20_000, 'the flow to be started');
    expect(described.status.name).toBe('RUNNING');
    expect(described.taskQueue).toBe(env.TEMPORAL_TASK_QUEUE);
    expect(described.raw.pendingWorkflowTask?.state).toBe(
      PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
    );
    const eventTypes = async () => (await handle.fetchHistory()).events!.map((e) => EventType[e.eventType!]);
    expect(await eventTypes()).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED']);
    for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
      const queue = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: env.TEMPORAL_TASK_QUEUE },
        taskQueueType,
      });
      expect({ taskQueueType, pollers: queue.pollers }).toEqual({ taskQueueType, pollers: [] });
    }
    expect(llm.requests).toHaveLength(0);

    // The worker serves its health endpoint on a port of its own: any free one.
    const worker = await startAppProcess({ ...env, PORT: '0', HOST: '127.0.0.1' }, 60_000, [], 'src/worker.ts');
    processes.push(worker);
    expect(worker.output()).toContain('Role:        worker');
    expect(worker.output()).not.toContain('API:');

    const reply = await socket.waitFor((e) => e.event === 'message' && e.payload.role === 'ASSISTANT', 40_000);
    expect(reply.payload).toMatchObject({ conversationId, content: 'Echo: anyone?' });
    await socket.waitFor((e) => e.event === 'message:status' && e.payload.status === 'SENT');
    const kinds = new Set(socket.events.map((e) => e.event));
    for (const kind of ['typing', 'message:delta', 'message', 'message:status']) expect(kinds.has(kind)).toBe(true);
    socket.close();

    // The worker process ran the flow to the end: every task of it was taken by that process
    // (identity `<pid>@<host>`), and it is the only one polling the task queue.
    expect(await handle.result()).toEqual({
      status: 'REPLIED',
      replyId: reply.payload.id,
      route: { myTurn: true, responder: 'LLM' },
    });
    const ranBy = `${worker.child.pid}@`;
    const takers = (await handle.fetchHistory())
      .events!.map((e) => (e.workflowTaskStartedEventAttributes ?? e.activityTaskStartedEventAttributes)?.identity)
      .filter((identity) => identity !== undefined);
    expect(takers.length).toBeGreaterThan(0);
    expect(takers.filter((identity) => !identity!.startsWith(ranBy))).toEqual([]);
    const pollers = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: env.TEMPORAL_TASK_QUEUE },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    expect(pollers.pollers.length).toBeGreaterThan(0);
    expect(pollers.pollers.filter((p) => !p.identity!.startsWith(ranBy))).toEqual([]);
    const history = await settledHistory(http, conversationId, 2);
    expect(history.map((m) => [m.id, m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [first.body.data.message.id, 1, 'USER', 'anyone?', 'SENT'],
      [reply.payload.id, 2, 'ASSISTANT', 'Echo: anyone?', 'SENT'],
    ]);
    expect(llm.requests).toHaveLength(1);
  });
});
