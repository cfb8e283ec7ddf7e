import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  messageFlow,
  startScenario,
  startTestApp,
  waitFor,
  type Api,
  type Scenario,
  type TestApp,
} from '../support/harness.js';

let scenario: Scenario;
let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;
let chatbotId: string;

beforeAll(async () => {
  scenario = await startScenario('failures');
  ({ llm, app, api, token, chatbotId } = scenario);
});
afterAll(async () => {
  await scenario?.stop();
});
beforeEach(() => llm.reset());

/** Sends into a fresh conversation with a subscribed socket, as a widget would. */
async function sendWatched(content: string, target = { app, api, token, chatbotId }) {
  const externalUserId = `user-${crypto.randomUUID()}`;
  const first = await target.api('POST', '/messages/send', {
    body: { chatbotId: target.chatbotId, externalUserId, content, channel: 'WIDGET' },
  });
  expect(first.status).toBe(202);
  const { message, conversation } = first.body.data;
  const socket = await connectSocket(target.app.url, target.token);
  await socket.emitWithAck('subscribe', { conversationId: conversation.id });
  return { message, conversation, socket, handle: await messageFlow(target.app, message.id) };
}

async function messagesOf(conversationId: string, target = api) {
  return (await target('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
}

describe('transient LLM failures are retried by Temporal', () => {
  it('answers exactly once after the LLM fails with 500 twice', async () => {
    llm.script({ kind: 'error', status: 500 }, { kind: 'error', status: 503 });
    const { conversation, socket, handle } = await sendWatched('flaky please');
    try {
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'REPLIED' });
      expect(llm.requests).toHaveLength(3);

      const all = await messagesOf(conversation.id);
      const replies = all.filter((m) => m.role === 'ASSISTANT');
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ content: 'Echo: flaky please', deliveryStatus: 'SENT', seq: 2 });

      await socket.waitFor((e) => e.event === 'message:status' && e.payload.status === 'SENT');
      const deltas = socket.events.filter((e) => e.event === 'message:delta').map((e) => e.payload);
      expect(new Set(deltas.map((d) => d.attempt))).toEqual(new Set([3]));
      expect(socket.events.filter((e) => e.event === 'message' && e.payload.role === 'ASSISTANT')).toHaveLength(1);

      // The retries are visible to ops: the generate activity completed on its third attempt.
      const history = await handle.fetchHistory();
      const failedAttempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes?.attempt === 3);
      expect(failedAttempts).toHaveLength(1);
    } finally {
      socket.close();
    }
  });
});

describe('permanent failures fail fast and say why', () => {
  it('marks the reply FAILED with the reason when the LLM answers 400, emits the status, and stops', async () => {
    llm.script({ kind: 'error', status: 400, message: 'model does not exist' });
    const { conversation, socket, handle } = await sendWatched('bad request please');
    try {
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(String((failure as WorkflowFailedError).cause?.message)).toContain('model does not exist');
      expect((await handle.describe()).status.name).toBe('FAILED');
      expect(llm.requests).toHaveLength(1);

      const replies = (await messagesOf(conversation.id)).filter((m) => m.role === 'ASSISTANT');
      expect(replies).toHaveLength(1);
      // Clients get a stable type and a sentence written for them; the provider's own text stays
      // in the workflow failure (above) and the logs, never in the API or on the socket.
      expect(replies[0]).toMatchObject({
        deliveryStatus: 'FAILED',
        content: '',
        metadata: { error: { type: 'LlmRejected', message: 'The language model refused to answer this message.' } },
      });
      expect(JSON.stringify(await messagesOf(conversation.id))).not.toContain('model does not exist');
      await socket.waitFor((e) => e.event === 'message' && e.payload.role === 'ASSISTANT');
      expect(JSON.stringify(socket.events)).not.toContain('model does not exist');

      const status = await socket.waitFor((e) => e.event === 'message:status');
      expect(status.payload).toEqual({ messageId: replies[0].id, conversationId: conversation.id, status: 'FAILED' });
      expect(
        socket.events
          .filter((e) => e.event === 'typing')
          .map((e) => e.payload.isTyping)
          .at(-1),
      ).toBe(false);
    } finally {
      socket.close();
    }
  });

  it('fails at once, without calling anything, when no LLM is configured', async () => {
    const bare = await startTestApp({ OPENAI_BASE_URL: undefined, OPENAI_API_KEY: undefined, EMBEDDED_LLM: 'false' });
    try {
      const bareApi = apiClient(bare.url, token);
      const bot = await createChatbot(bareApi);
      const { conversation, socket, handle } = await sendWatched('anyone there?', {
        app: bare,
        api: bareApi,
        token,
        chatbotId: bot.id,
      });
      try {
        const failure = await handle.result().catch((err: unknown) => err);
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        // Ops see what to do about it in the workflow's failure.
        expect(String((failure as WorkflowFailedError).cause?.message)).toContain('OPENAI_API_KEY');
        const replies = (await messagesOf(conversation.id, bareApi)).filter((m) => m.role === 'ASSISTANT');
        expect(replies).toEqual([
          expect.objectContaining({
            deliveryStatus: 'FAILED',
            metadata: {
              error: { type: 'LlmNotConfigured', message: 'No language model is configured to answer this chatbot.' },
            },
          }),
        ]);
        await socket.waitFor((e) => e.event === 'message:status' && e.payload.status === 'FAILED');
        expect(llm.requests).toHaveLength(0);
      } finally {
        socket.close();
      }
    } finally {
      await bare.stop();
    }
  });
});

describe('exactly one reply when a flow runs again after it wrote', () => {
  it('an ops reset of a finished flow re-runs every step without a second reply or LLM call', async () => {
    const { conversation, socket, handle } = await sendWatched('say it once');
    socket.close();
    const first = await handle.result();
    expect(llm.requests).toHaveLength(1);

    const history = await handle.fetchHistory();
    const completed = proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
    const firstTask = history.events!.find((e) => e.eventType === completed)!;
    const { runId } = await app.deps.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId },
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: crypto.randomUUID(),
      reason: 'test: replay the whole flow',
    });
    const rerun = app.deps.client.workflow.getHandle(handle.workflowId, runId);
    expect(await rerun.result()).toEqual(first);

    expect(llm.requests).toHaveLength(1);
    const replies = (await messagesOf(conversation.id)).filter((m) => m.role === 'ASSISTANT');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ content: 'Echo: say it once', deliveryStatus: 'SENT' });
  });
});

describe('a reply is stored even with nobody listening', () => {
  it('delivers into the history when no socket is subscribed', async () => {
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: 'offline', content: 'later', channel: 'WIDGET' },
    });
    const conversationId = sent.body.data.conversation.id;
    const all = await waitFor(
      async () => {
        const rows = await messagesOf(conversationId);
        return rows.length === 2 && rows[1].deliveryStatus === 'SENT' ? rows : undefined;
      },
      20_000,
      'reply',
    );
    expect(all[1]).toMatchObject({ role: 'ASSISTANT', content: 'Echo: later' });
  });
});
