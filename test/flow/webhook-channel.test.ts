import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import {
  connectSocket,
  messageFlow,
  resetFlow,
  settledHistory,
  startScenario,
  waitFor,
  type Scenario,
} from '../support/harness.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef';
let scenario: Scenario;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  scenario = await startScenario('webhook', {}, { webhook: { url: receiver.url, secret: SECRET } });
});
afterAll(async () => {
  await scenario?.stop();
  await receiver?.close();
});

/** Every status change the room saw for one message, in order. */
const statusesOf = (events: { event: string; payload: any }[], messageId: string) =>
  events.filter((e) => e.event === 'message:status' && e.payload.messageId === messageId).map((e) => e.payload.status);

/** Marks the conversation's first message read and waits for that event: everything before it has arrived. */
async function sentinel(socket: Awaited<ReturnType<typeof connectSocket>>, conversationId: string) {
  const [first] = await settledHistory(scenario.api, conversationId);
  await socket.emitWithAck('message:read', { messageId: first.id });
  await socket.waitFor(
    (e) => e.event === 'message:status' && e.payload.messageId === first.id && e.payload.status === 'READ',
  );
}

/** A first message on a WEBHOOK conversation; its reply is held until a socket watches the room. */
async function converse(content: string) {
  const { api, app, token, chatbotId, llm } = scenario;
  let release!: () => void;
  llm.script({ kind: 'reply', after: new Promise<void>((resolve) => (release = resolve)) });
  const externalUserId = `crm-${crypto.randomUUID()}`;
  const sent = await api('POST', '/messages/send', {
    body: { chatbotId, externalUserId, content, channel: 'WEBHOOK' },
  });
  expect(sent.status).toBe(202);
  const conversationId = sent.body.data.conversation.id;
  const socket = await connectSocket(app.url, token);
  await socket.emitWithAck('subscribe', { conversationId });
  release();
  return {
    sent: sent.body.data.message,
    conversationId,
    socket,
    flow: await messageFlow(app, sent.body.data.message.id),
  };
}

describe('the WEBHOOK channel', () => {
  it('POSTs the reply signed; a receiver failing twice with 503 gets the same X-Webhook-Id three times, and the reply is SENT once', async () => {
    receiver.received.length = 0;
    receiver.answer(503, 503);
    const { conversationId, socket, flow } = await converse('where is my parcel?');
    const result = await flow.result();
    const [, reply] = await settledHistory(scenario.api, conversationId, 2);
    expect(result).toMatchObject({ status: 'REPLIED', replyId: reply.id });
    expect(reply).toMatchObject({ role: 'ASSISTANT', content: 'Echo: where is my parcel?', deliveryStatus: 'SENT' });

    expect(receiver.received.map((r) => [r.id, r.verified])).toEqual([
      [reply.id, true],
      [reply.id, true],
      [reply.id, true],
    ]);
    const { body } = receiver.received[2];
    expect(body).toEqual({
      event: 'message.created',
      message: { ...reply, deliveryStatus: 'PENDING', updatedAt: reply.createdAt },
      conversation: expect.objectContaining({ id: conversationId, channel: 'WEBHOOK', chatbotId: scenario.chatbotId }),
    });
    // A sentinel after the flow ended: once the socket has its status, it has every earlier event.
    await sentinel(socket, conversationId);
    expect(statusesOf(socket.events, reply.id)).toEqual(['SENT']);
    socket.close();
  });

  it('ends FAILED at once when the receiver answers 410, saying so, without retrying', async () => {
    receiver.received.length = 0;
    receiver.answer(410);
    const { conversationId, socket, flow } = await converse('cancel my order');
    const failure = await flow.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(((failure as WorkflowFailedError).cause as any).message).toContain('ChannelRejected');
    const [, reply] = await settledHistory(scenario.api, conversationId, 2);
    expect(reply).toMatchObject({ content: 'Echo: cancel my order', deliveryStatus: 'FAILED' });
    expect(reply.metadata.error).toEqual({
      type: 'ChannelRejected',
      message: 'The reply could not be sent: the channel refused it.',
      detail: `The webhook at ${new URL(receiver.url).host} refused the reply: HTTP 410`,
    });
    expect(receiver.received).toHaveLength(1);
    await sentinel(socket, conversationId);
    expect(statusesOf(socket.events, reply.id)).toEqual(['FAILED']);
    socket.close();
  });

  it('a reset of the failed flow really sends again: FAILED, then PENDING and SENT, with the same X-Webhook-Id', async () => {
    receiver.received.length = 0;
    receiver.answer(410);
    const { conversationId, socket, flow, sent } = await converse('please try again');
    await flow.result().catch(() => undefined);
    const [, failed] = await settledHistory(scenario.api, conversationId, 2);
    expect(failed.deliveryStatus).toBe('FAILED');

    const retried = await resetFlow(scenario.app, sent.id);
    expect(await retried.result()).toMatchObject({ status: 'REPLIED', replyId: failed.id });

    const [, reply] = await settledHistory(scenario.api, conversationId, 2);
    expect(reply).toMatchObject({ id: failed.id, deliveryStatus: 'SENT', content: 'Echo: please try again' });
    expect(reply.metadata).toEqual({ model: expect.any(String), previousError: failed.metadata.error });
    expect(receiver.received.map((r) => [r.id, r.verified])).toEqual([
      [failed.id, true],
      [failed.id, true],
    ]);
    expect(scenario.llm.requests.filter((r) => r.messages.at(-1)?.content === sent.content)).toHaveLength(1); // not generated again
    await sentinel(socket, conversationId);
    expect(statusesOf(socket.events, failed.id)).toEqual(['FAILED', 'PENDING', 'SENT']);
    socket.close();
  });

  it('delivers an agent’s message through the same webhook', async () => {
    const { conversationId, flow, socket } = await converse('I want a human');
    await flow.result();
    receiver.received.length = 0;
    const posted = await scenario.api('POST', `/conversations/${conversationId}/messages`, {
      body: { content: 'Hi, Dana from support here.' },
    });
    expect(posted.status).toBe(202);
    const agent = posted.body.data.message;
    expect(await (await messageFlow(scenario.app, agent.id)).result()).toEqual({
      status: 'DELIVERED',
      messageId: agent.id,
    });
    expect(receiver.received.map((r) => [r.id, r.verified, r.body.message.role, r.body.message.content])).toEqual([
      [agent.id, true, 'AGENT', 'Hi, Dana from support here.'],
    ]);
    await waitFor(
      async () => (await scenario.api('GET', `/messages/${agent.id}`)).body.data.deliveryStatus === 'SENT',
      10_000,
      'SENT',
    );
    socket.close();
  });
});

describe('webhook settings are write-only', () => {
  it('never returns the secret, and refuses a bad URL or a short secret', async () => {
    const { api } = scenario;
    const created = await api('POST', '/chatbots', {
      body: { name: 'hooked', webhook: { url: 'https://crm.example.com/hook', secret: SECRET } },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.webhook).toEqual({ url: 'https://crm.example.com/hook', secretSet: true });
    const id = created.body.data.id;
    const responses = [
      created,
      await api('GET', `/chatbots/${id}`),
      await api('GET', '/chatbots?limit=100'),
      await api('PATCH', `/chatbots/${id}`, { body: { name: 'renamed' } }),
    ];
    for (const res of responses) expect(JSON.stringify(res.body)).not.toContain(SECRET);
    for (const webhook of [
      { url: 'ftp://crm.example.com/hook', secret: SECRET },
      { url: 'https://crm.example.com/hook', secret: 'short' },
      { url: 'https://crm.example.com/hook' },
    ]) {
      const res = await api('PATCH', `/chatbots/${id}`, { body: { webhook } });
      expect({ webhook, status: res.status }).toEqual({ webhook, status: 400 });
    }
    expect((await api('GET', `/chatbots/${id}`)).body.data.webhook).toEqual({
      url: 'https://crm.example.com/hook',
      secretSet: true,
    });
    expect((await api('PATCH', `/chatbots/${id}`, { body: { webhook: null } })).body.data.webhook).toBeNull();
  });
});
