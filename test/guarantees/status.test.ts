import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FakeLlm } from '../support/fake-llm.js';
import { connectSocket, startScenario, tokenFor, waitFor, type Api, type Scenario, type TestApp } from '../support/harness.js';

let scenario: Scenario;
let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;
let chatbotId: string;

beforeAll(async () => {
  scenario = await startScenario('status');
  ({ llm, app, api, token, chatbotId } = scenario);
});
afterAll(async () => {
  await scenario?.stop();
});

const ORDER = ['PENDING', 'SENT', 'DELIVERED', 'READ'];

async function repliedConversation(externalUserId: string) {
  const sent = await api('POST', '/messages/send', { body: { chatbotId, externalUserId, content: 'status me', channel: 'WIDGET' } });
  const conversationId = sent.body.data.conversation.id;
  const reply = await waitFor(async () => {
    const rows = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
    return rows.find((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'SENT');
  }, 20_000, 'reply');
  return { conversationId, replyId: reply.id as string };
}

describe('delivery status only moves forward', () => {
  it('ignores stale, repeated and shuffled delivered/read updates, emitting each change once', async () => {
    const { conversationId, replyId } = await repliedConversation('shuffle');
    const watcher = await connectSocket(app.url, token);
    const clients = await Promise.all([1, 2, 3].map(() => connectSocket(app.url, token)));
    await watcher.emitWithAck('subscribe', { conversationId });

    const updates = [
      ...Array.from({ length: 6 }, () => 'message:read'),
      ...Array.from({ length: 6 }, () => 'message:delivered'),
    ].sort(() => Math.random() - 0.5);
    const acks = await Promise.all(updates.map((event, i) => clients[i % 3]!.emitWithAck(event, { messageId: replyId })));
    for (const ack of acks) expect(ack).toMatchObject({ ok: true, data: { messageId: replyId } });

    const stored = (await api('GET', `/messages/${replyId}`)).body.data;
    expect(stored.deliveryStatus).toBe('READ');
    // Stale updates afterwards change nothing and emit nothing.
    expect(await clients[0]!.emitWithAck('message:delivered', { messageId: replyId })).toEqual({ ok: true, data: { messageId: replyId, status: 'READ' } });

    await new Promise((resolve) => setTimeout(resolve, 300));
    const changes = watcher.events.filter((e) => e.event === 'message:status' && e.payload.messageId === replyId).map((e) => e.payload.status);
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(changes).size).toBe(changes.length); // each status at most once
    expect(changes.at(-1)).toBe('READ');
    for (let i = 1; i < changes.length; i++) expect(ORDER.indexOf(changes[i])).toBeGreaterThan(ORDER.indexOf(changes[i - 1]));
    for (const c of [watcher, ...clients]) c.close();
  });

  it('never moves a FAILED reply, and checks ownership', async () => {
    llm.script({ kind: 'error', status: 400 });
    const sent = await api('POST', '/messages/send', { body: { chatbotId, externalUserId: 'failed', content: 'x', channel: 'WIDGET' } });
    const conversationId = sent.body.data.conversation.id;
    const failed = await waitFor(async () => {
      const rows = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
      return rows.find((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'FAILED');
    }, 20_000, 'failed reply');
    const client = await connectSocket(app.url, token);
    expect(await client.emitWithAck('message:read', { messageId: failed.id })).toEqual({ ok: true, data: { messageId: failed.id, status: 'FAILED' } });
    expect((await api('GET', `/messages/${failed.id}`)).body.data.deliveryStatus).toBe('FAILED');

    const stranger = await connectSocket(app.url, tokenFor(`stranger-${crypto.randomUUID()}`));
    expect(await stranger.emitWithAck('message:read', { messageId: sent.body.data.message.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await stranger.emitWithAck('message:delivered', { messageId: 'nope' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    client.close();
    stranger.close();
  });
});
