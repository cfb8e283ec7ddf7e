import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectSocket,
  messageFlow,
  resetFlow,
  settledHistory,
  startScenario,
  type Scenario,
} from '../support/harness.js';

let scenario: Scenario;

beforeAll(async () => {
  scenario = await startScenario('regenerate');
});
afterAll(async () => {
  await scenario?.stop();
});

describe('a reset of a flow whose generation failed', () => {
  it('answers again into the same reply: same id and seq, FAILED then PENDING then SENT, the LLM called once more', async () => {
    const { api, app, token, chatbotId, llm } = scenario;
    const opened = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: `r-${crypto.randomUUID()}`, content: 'first', channel: 'WIDGET' },
    });
    const conversationId = opened.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);
    const socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });
    llm.reset();
    llm.script({ kind: 'error', status: 400, message: 'this prompt is refused' });
    const sent = (
      await api('POST', '/messages/send', {
        body: {
          chatbotId,
          conversationId,
          externalUserId: opened.body.data.conversation.externalUserId,
          content: 'second',
          channel: 'WIDGET',
        },
      })
    ).body.data.message;
    await (await messageFlow(app, sent.id)).result().catch(() => undefined);
    const failed = (await settledHistory(api, conversationId, 4))[3];
    expect(failed).toMatchObject({
      seq: 4,
      role: 'ASSISTANT',
      content: '',
      deliveryStatus: 'FAILED',
      metadata: { error: { type: 'LlmRejected' } },
    });

    const retried = await resetFlow(app, sent.id);
    expect(await retried.result()).toMatchObject({ status: 'REPLIED', replyId: failed.id });
    const history = await settledHistory(api, conversationId, 4);
    expect(history.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'first', 'SENT'],
      [2, 'ASSISTANT', 'Echo: first', 'SENT'],
      [3, 'USER', 'second', 'SENT'],
      [4, 'ASSISTANT', 'Echo: second', 'SENT'],
    ]);
    expect(history[3]).toMatchObject({
      id: failed.id,
      metadata: { model: expect.any(String), previousError: failed.metadata.error },
    });
    expect(llm.requests).toHaveLength(2);

    const [first] = history;
    await socket.emitWithAck('message:read', { messageId: first.id });
    await socket.waitFor((e) => e.event === 'message:status' && e.payload.messageId === first.id);
    const ofReply = socket.events.filter(
      (e) =>
        (e.event === 'message' && e.payload.id === failed.id) ||
        (e.event === 'message:status' && e.payload.messageId === failed.id),
    );
    expect(
      ofReply.map((e) =>
        e.event === 'message' ? ['message', e.payload.content, e.payload.deliveryStatus] : ['status', e.payload.status],
      ),
    ).toEqual([
      ['message', '', 'FAILED'],
      ['status', 'FAILED'],
      ['status', 'PENDING'],
      ['message', 'Echo: second', 'PENDING'],
      ['status', 'SENT'],
    ]);
    socket.close();
  });
});
