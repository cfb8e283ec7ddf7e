import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, startTestApp, tokenFor, waitFor, type Api, type TestApp, settledHistory } from '../support/harness.js';

let llm: FakeLlm;
let app: TestApp;
let api: Api;
let chatbotId: string;

beforeAll(async () => {
  llm = await startFakeLlm();
  app = await startTestApp({ OPENAI_BASE_URL: llm.url });
  api = apiClient(app.url, tokenFor(`idem-${crypto.randomUUID()}`));
  chatbotId = (await createChatbot(api)).id;
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
});

const body = (externalUserId: string, content = 'hello') => ({ chatbotId, externalUserId, content, channel: 'WIDGET' });
const send = (payload: unknown, key?: string, target = api) =>
  target('POST', '/messages/send', { body: payload, headers: key ? { 'Idempotency-Key': key } : {} });

async function flowsOf(conversationId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of app.deps.client.workflow.list({ query: `ConversationId = "${conversationId}"` })) ids.push(wf.workflowId);
  return ids;
}

describe('Idempotency-Key on POST /messages/send', () => {
  it('replays the original 202 for a sequential retry: one message, one flow, one reply', async () => {
    const key = crypto.randomUUID();
    const first = await send(body('seq-retry'), key);
    const again = await send({ ...body('seq-retry') }, key);
    const reordered = await send({ channel: 'WIDGET', content: 'hello', externalUserId: 'seq-retry', chatbotId }, key);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(reordered.body).toEqual(first.body);

    const conversationId = first.body.data.conversation.id;
    const rows = await settledHistory(api, conversationId);
    expect(rows.map((m) => m.role)).toEqual(['USER', 'ASSISTANT']);
    expect(await waitFor(async () => ((await flowsOf(conversationId)).length === 1 ? flowsOf(conversationId) : undefined), 15_000, 'visibility')).toEqual([
      `message-${first.body.data.message.id}`,
    ]);
  });

  it('gives one message and one flow for concurrent duplicates; the others replay or get 409', async () => {
    const key = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 6 }, () => send(body('concurrent'), key)));
    const accepted = responses.filter((r) => r.status === 202);
    const inFlight = responses.filter((r) => r.status === 409);
    expect(accepted.length + inFlight.length).toBe(6);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((r) => r.body.data.message.id)).size).toBe(1);
    for (const r of inFlight) expect(r.body).toMatchObject({ status: 409, title: 'Conflict' });

    const conversationId = accepted[0]!.body.data.conversation.id;
    const rows = await settledHistory(api, conversationId);
    expect(rows.filter((m) => m.role === 'USER')).toHaveLength(1);
    expect(rows.filter((m) => m.role === 'ASSISTANT')).toHaveLength(1);
    expect(await waitFor(async () => ((await flowsOf(conversationId)).length >= 1 ? flowsOf(conversationId) : undefined), 15_000, 'visibility')).toEqual([
      `message-${accepted[0]!.body.data.message.id}`,
    ]);
    // After the first finished, a retry always replays.
    const late = await send(body('concurrent'), key);
    expect(late.status).toBe(202);
    expect(late.body.data.message.id).toBe(accepted[0]!.body.data.message.id);
  });

  it('answers 422 for the same key with another body, and stores nothing for it', async () => {
    const key = crypto.randomUUID();
    const first = await send(body('changer', 'original'), key);
    const changed = await send(body('changer', 'changed'), key);
    expect(changed.status).toBe(422);
    expect(changed.contentType).toContain('application/problem+json');
    const rows = await settledHistory(api, first.body.data.conversation.id);
    expect(rows.map((m) => m.content)).toEqual(['original', 'Echo: original']);
  });

  it('answers 409 while the first request with the key is still in flight', async () => {
    const key = `inflight-${crypto.randomUUID()}`;
    const customerId = `idem-inflight-${crypto.randomUUID()}`;
    const other = apiClient(app.url, tokenFor(customerId));
    const bot = await createChatbot(other);
    // Hold the conversation row lock so the first request stays in flight until we let go.
    const seeded = await other('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: 'slow', content: 'seed', channel: 'WIDGET' } });
    const conversationId = seeded.body.data.conversation.id;
    const em = app.deps.orm.em.fork();
    const sent: Promise<any>[] = [];
    await em.transactional(async (tx) => {
      await tx.execute('select 1 from conversation where id = ? for update', [conversationId]);
      const payload = { chatbotId: bot.id, conversationId, externalUserId: 'slow', content: 'in flight', channel: 'WIDGET' };
      sent.push(send(payload, key, other));
      await waitFor(async () => (await app.deps.orm.em.fork().execute('select 1 from idempotency_key where key = ?', [key])).length === 1, 10_000, 'claim');
      const second = await send(payload, key, other);
      expect(second.status).toBe(409);
    });
    const first = await sent[0]!;
    expect(first.status).toBe(202);
    const replay = await send({ chatbotId: bot.id, conversationId, externalUserId: 'slow', content: 'in flight', channel: 'WIDGET' }, key, other);
    expect(replay.body).toEqual(first.body);
  });

  it('scopes keys per customer', async () => {
    const key = crypto.randomUUID();
    const otherApi = apiClient(app.url, tokenFor(`idem-other-${crypto.randomUUID()}`));
    const otherBot = await createChatbot(otherApi);
    const mine = await send(body('scoped'), key);
    const theirs = await send({ chatbotId: otherBot.id, externalUserId: 'scoped', content: 'hello', channel: 'WIDGET' }, key, otherApi);
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.body.data.message.id).not.toBe(mine.body.data.message.id);
  });

  it('does not keep a key whose request failed, and rejects a malformed key', async () => {
    const key = crypto.randomUUID();
    const missingBot = await send({ ...body('failing'), chatbotId: crypto.randomUUID() }, key);
    expect(missingBot.status).toBe(404);
    const retried = await send(body('failing'), key);
    expect(retried.status).toBe(202);

    const long = await send(body('bad-key'), 'k'.repeat(256));
    expect(long.status).toBe(400);
    expect(long.body.errors[0].path).toBe('Idempotency-Key');
  });

  it('keeps keys for at least 24 hours', async () => {
    const key = crypto.randomUUID();
    await send(body('retention'), key);
    const [row] = await app.deps.orm.em.fork().execute('select expires_at - created_at >= interval \'24 hours\' as kept from idempotency_key where key = ?', [key]);
    expect(row.kept).toBe(true);
  });
});
