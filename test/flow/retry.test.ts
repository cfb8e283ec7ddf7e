import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { metricValue } from '../support/metrics.js';
import {
  messageFlow,
  settledHistory,
  startScenario,
  tokenFor,
  apiClient,
  waitFor,
  type Scenario,
} from '../support/harness.js';

let scenario: Scenario;

beforeAll(async () => {
  scenario = await startScenario('retry');
});
afterAll(async () => {
  await scenario?.stop();
});

/** Retries that started a new attempt, as /metrics counts them. */
const retriesCounted = () => metricValue(scenario.app.url, 'chatflow_retries_accepted_total', { channel: 'WIDGET' });

/** A conversation whose second message's answer failed at the LLM (a 400). */
async function failedAnswer() {
  const { api, app, chatbotId, llm } = scenario;
  const externalUserId = `retry-${crypto.randomUUID()}`;
  const opened = await api('POST', '/messages/send', {
    body: { chatbotId, externalUserId, content: 'first', channel: 'WIDGET' },
  });
  const conversationId = opened.body.data.conversation.id;
  await settledHistory(api, conversationId, 2);
  llm.script({ kind: 'error', status: 400, message: 'refused' });
  const message = (
    await api('POST', '/messages/send', {
      body: { chatbotId, conversationId, externalUserId, content: 'second', channel: 'WIDGET' },
    })
  ).body.data.message;
  await (await messageFlow(app, message.id)).result().catch(() => undefined);
  const reply = (await settledHistory(api, conversationId, 4))[3];
  expect(reply).toMatchObject({ role: 'ASSISTANT', content: '', deliveryStatus: 'FAILED' });
  return { conversationId, externalUserId, message, reply };
}

describe('POST /messages/:id/retry', () => {
  it('answers the message again into the same reply, which ends SENT in its place', async () => {
    const { conversationId, message, reply } = await failedAnswer();
    const requestsBefore = scenario.llm.requests.length;
    const res = await scenario.api('POST', `/messages/${message.id}/retry`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: 'Retry accepted', data: { message, reply } });
    const sent = await waitFor(
      async () => {
        const rows = await settledHistory(scenario.api, conversationId, 4);
        return rows[3].deliveryStatus === 'SENT' && rows;
      },
      20_000,
      'the retried reply to be SENT',
    );
    expect(sent.map((m: any) => [m.id, m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [sent[0].id, 1, 'USER', 'first', 'SENT'],
      [sent[1].id, 2, 'ASSISTANT', 'Echo: first', 'SENT'],
      [message.id, 3, 'USER', 'second', 'SENT'],
      [reply.id, 4, 'ASSISTANT', 'Echo: second', 'SENT'],
    ]);
    expect(scenario.llm.requests.length).toBe(requestsBefore + 1);
  });

  it('sees the conversation up to the message, not what came after it', async () => {
    const { api, chatbotId, llm } = scenario;
    const { conversationId, externalUserId, message } = await failedAnswer();
    await api('POST', '/messages/send', {
      body: { chatbotId, conversationId, externalUserId, content: 'third', channel: 'WIDGET' },
    });
    await settledHistory(api, conversationId, 6);
    expect((await api('POST', `/messages/${message.id}/retry`)).status).toBe(202);
    await waitFor(() => llm.requests.at(-1)?.messages.at(-1)?.content === 'second', 20_000, 'the retried request');
    expect(llm.requests.at(-1)!.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You are a helpful bot.'],
      ['user', 'first'],
      ['assistant', 'Echo: first'],
      ['user', 'second'],
    ]);
  });

  it('two concurrent retries make one attempt', async () => {
    const { message, conversationId } = await failedAnswer();
    let release!: () => void;
    scenario.llm.script({ kind: 'reply', after: new Promise<void>((resolve) => (release = resolve)) });
    const before = scenario.llm.requests.length;
    const countedBefore = await retriesCounted();
    const answers = await Promise.all([1, 2].map(() => scenario.api('POST', `/messages/${message.id}/retry`)));
    expect(answers.map((r) => r.status).sort()).toEqual(expect.arrayContaining([202]));
    for (const r of answers) expect([202, 409]).toContain(r.status);
    release();
    await waitFor(
      async () => (await settledHistory(scenario.api, conversationId, 4))[3].deliveryStatus === 'SENT',
      20_000,
      'SENT',
    );
    expect(scenario.llm.requests.length).toBe(before + 1);
    expect(await retriesCounted()).toBe(countedBefore + 1);
  });

  it('is a 409 for a reply that did not fail or for a message that is not a user’s, and a 404 for another customer', async () => {
    const { api, chatbotId } = scenario;
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: `ok-${crypto.randomUUID()}`, content: 'fine', channel: 'WIDGET' },
    });
    const [user, answer] = await settledHistory(api, sent.body.data.conversation.id, 2);
    await waitFor(
      async () => (await api('GET', `/messages/${answer.id}`)).body.data.deliveryStatus === 'SENT',
      10_000,
      'SENT',
    );
    expect((await api('POST', `/messages/${user.id}/retry`)).status).toBe(409);
    expect((await api('POST', `/messages/${answer.id}/retry`)).status).toBe(409);
    const { message } = await failedAnswer();
    const stranger = apiClient(scenario.app.url, tokenFor(`stranger-${crypto.randomUUID()}`));
    expect((await stranger('POST', `/messages/${message.id}/retry`)).status).toBe(404);
    expect((await api('POST', `/messages/${crypto.randomUUID()}/retry`)).status).toBe(404);
    expect((await api('POST', '/messages/not-a-uuid/retry')).status).toBe(400);
  });
});
