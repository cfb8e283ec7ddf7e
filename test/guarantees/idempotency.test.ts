import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import pg from 'pg';
import { startAppProcess } from '../support/app-process.js';
import { testEnv } from '../support/env.js';
import {
  apiClient,
  createChatbot,
  startTestApp,
  tokenFor,
  waitFor,
  type Api,
  type TestApp,
  settledHistory,
} from '../support/harness.js';

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
  for await (const wf of app.deps.client.workflow.list({ query: `ConversationId = "${conversationId}"` }))
    ids.push(wf.workflowId);
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
    expect(rows.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'hello', 'SENT'],
      ['ASSISTANT', 'Echo: hello', 'SENT'],
    ]);
    expect(
      await waitFor(
        async () => ((await flowsOf(conversationId)).length === 1 ? flowsOf(conversationId) : undefined),
        15_000,
        'visibility',
      ),
    ).toEqual([`message-${first.body.data.message.id}`]);
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

    const conversationId = accepted[0].body.data.conversation.id;
    const rows = await settledHistory(api, conversationId);
    expect(rows.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'hello', 'SENT'],
      ['ASSISTANT', 'Echo: hello', 'SENT'],
    ]);
    expect(
      await waitFor(
        async () => ((await flowsOf(conversationId)).length >= 1 ? flowsOf(conversationId) : undefined),
        15_000,
        'visibility',
      ),
    ).toEqual([`message-${accepted[0].body.data.message.id}`]);
    // After the first finished, a retry always replays.
    const late = await send(body('concurrent'), key);
    expect(late.status).toBe(202);
    expect(late.body.data.message.id).toBe(accepted[0].body.data.message.id);
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

  it('scopes keys per customer', async () => {
    const key = crypto.randomUUID();
    const otherApi = apiClient(app.url, tokenFor(`idem-other-${crypto.randomUUID()}`));
    const otherBot = await createChatbot(otherApi);
    const mine = await send(body('scoped'), key);
    const theirs = await send(
      { chatbotId: otherBot.id, externalUserId: 'scoped', content: 'hello', channel: 'WIDGET' },
      key,
      otherApi,
    );
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

  it('keeps a key for 24 hours: replayed just before, free for a new request after', async () => {
    const key = crypto.randomUUID();
    const first = await send(body('retention'), key);
    await settledHistory(api, first.body.data.conversation.id, 2);
    const age = (interval: string) =>
      app.deps.orm.em
        .fork()
        .execute(
          `update idempotency_key set created_at = now() - interval '${interval}', expires_at = now() - interval '${interval}' + interval '24 hours' where key = ?`,
          [key],
        );

    await age('23 hours 59 minutes');
    const replayed = await send(body('retention'), key);
    expect(replayed.status).toBe(202);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(first.body);

    await age('24 hours 1 minute');
    const fresh = await send(body('retention'), key);
    expect(fresh.status).toBe(202);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.data.message.id).not.toBe(first.body.data.message.id);
    const rows = await settledHistory(api, first.body.data.conversation.id, 4);
    expect(rows.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'hello', 'SENT'],
      ['ASSISTANT', 'Echo: hello', 'SENT'],
      ['USER', 'hello', 'SENT'],
      ['ASSISTANT', 'Echo: hello', 'SENT'],
    ]);
  });

  it('answers 409 while the first request with the key is in flight, however long it takes, then replays it', async () => {
    const key = `alive-${crypto.randomUUID()}`;
    const other = apiClient(app.url, tokenFor(`idem-alive-${crypto.randomUUID()}`));
    const bot = await createChatbot(other);
    const seeded = await other('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'slow', content: 'seed', channel: 'WIDGET' },
    });
    const conversationId = seeded.body.data.conversation.id;
    const payload = {
      chatbotId: bot.id,
      conversationId,
      externalUserId: 'slow',
      content: 'slow one',
      channel: 'WIDGET',
    };
    const holder = await holdConversation(conversationId);
    try {
      const first = send(payload, key, other);
      await holder.waitUntilBlocking();
      expect((await send(payload, key, other)).status).toBe(409);
      // Longer than any lease a claim could have had (the earlier design's was 30 s).
      await new Promise((resolve) => setTimeout(resolve, 31_000));
      const duplicate = await send(payload, key, other);
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({ status: 409, title: 'Conflict' });
      await holder.release();
      expect((await first).status).toBe(202);
      expect((await send(payload, key, other)).body).toEqual((await first).body);
    } finally {
      await holder.release();
    }
  }, 90_000);

  it('frees the key of a request whose process died within seconds, and stores nothing of it', async () => {
    const shared = testEnv();
    const llm2 = await startFakeLlm();
    const doomed = await startAppProcess({
      PORT: '0',
      JWT_SECRET: shared.jwtSecret,
      DATABASE_URL: shared.databaseUrl,
      TEMPORAL_ADDRESS: shared.temporalAddress,
      TEMPORAL_TASK_QUEUE: `idem-dead-${crypto.randomUUID()}`,
      OPENAI_BASE_URL: llm2.url,
      WORKFLOW_BUNDLE_PATH: shared.workflowBundlePath,
    });
    const key = `dead-${crypto.randomUUID()}`;
    const token = tokenFor(`idem-dead-${crypto.randomUUID()}`);
    const viaDoomed = apiClient(doomed.url, token);
    const bot = await createChatbot(viaDoomed);
    const seeded = await viaDoomed('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'seed', channel: 'WIDGET' },
    });
    const conversationId = seeded.body.data.conversation.id;
    await settledHistory(viaDoomed, conversationId, 2);
    const payload = {
      chatbotId: bot.id,
      conversationId,
      externalUserId: 'u',
      content: 'lost with its process',
      channel: 'WIDGET',
    };
    const holder = await holdConversation(conversationId);
    try {
      const lost = send(payload, key, viaDoomed).catch((err: Error) => err);
      await holder.waitUntilBlocking();
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      expect(((await lost) as Error).message).toContain('fetch failed'); // the client never got an answer
      // Its transaction ends (and its lock with it) without waiting for the row it was waiting on.
      await waitFor(async () => !(await holder.isBlocking()), 5_000, 'the dead request to let go');

      const retried = send(payload, key, apiClient(app.url, token));
      await holder.waitUntilBlocking();
      await holder.release();
      const accepted = await retried;
      expect(accepted.status).toBe(202);
      expect(accepted.headers.get('idempotent-replayed')).toBeNull();
      const rows = await settledHistory(apiClient(app.url, token), conversationId, 4);
      expect(rows.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
        [1, 'USER', 'seed', 'SENT'],
        [2, 'ASSISTANT', 'Echo: seed', 'SENT'],
        [3, 'USER', 'lost with its process', 'SENT'],
        [4, 'ASSISTANT', 'Echo: lost with its process', 'SENT'],
      ]);
    } finally {
      await holder.release();
      doomed.child.kill('SIGKILL');
      await llm2.close();
    }
  }, 90_000);
});

/**
 * Holds a conversation's row lock from a connection of the test's own, so a send into it stays in
 * flight (inside its transaction, holding its key) until released.
 */
async function holdConversation(conversationId: string) {
  const client = new pg.Client({ connectionString: testEnv().databaseUrl });
  await client.connect();
  const pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number;
  await client.query('begin');
  await client.query('select 1 from conversation where id = $1 for update', [conversationId]);
  let released = false;
  const probe = new pg.Client({ connectionString: testEnv().databaseUrl });
  await probe.connect();
  const isBlocking = async () =>
    (await probe.query('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]))
      .rows[0].n > 0;
  return {
    isBlocking,
    waitUntilBlocking: () => waitFor(isBlocking, 10_000, 'a send to wait on the held conversation'),
    async release() {
      if (released) return;
      released = true;
      await client.query('commit');
      await client.end();
      await probe.end();
    },
  };
}
