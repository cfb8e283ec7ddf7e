import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  settledHistory,
  startTestApp,
  tokenFor,
  type Api,
  type TestApp,
} from '../support/harness.js';

let llm: FakeLlm;
let app: TestApp;
let alice: Api;
let bob: Api;
let bobToken: string;
let aliceBot: { id: string };
let bobBot: { id: string };
let aliceConversationId: string;
let aliceMessageId: string;

beforeAll(async () => {
  // A working (fake) LLM: every conversation settles, so a test can compare whole histories.
  llm = await startFakeLlm();
  app = await startTestApp({ OPENAI_BASE_URL: llm.url });
  alice = apiClient(app.url, tokenFor(`alice-${crypto.randomUUID()}`));
  bobToken = tokenFor(`bob-${crypto.randomUUID()}`);
  bob = apiClient(app.url, bobToken);
  aliceBot = await createChatbot(alice, { name: 'Alice bot' });
  bobBot = await createChatbot(bob, { name: 'Bob bot' });
  const sent = await alice('POST', '/messages/send', {
    body: { chatbotId: aliceBot.id, externalUserId: 'u1', content: 'private to alice', channel: 'WIDGET' },
  });
  aliceConversationId = sent.body.data.conversation.id;
  aliceMessageId = sent.body.data.message.id;
  await settledHistory(alice, aliceConversationId, 2);
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
});

const PROBLEM = 'application/problem+json';

/** The whole history of a conversation, as its owner reads it. */
const historyOf = async (api: Api, conversationId: string) => {
  const res = await api('GET', `/messages/conversation/${conversationId}?limit=100`);
  expect(res.status).toBe(200);
  return res.body as { data: any[]; meta: unknown };
};

describe('tenant isolation: another customer’s ids are 404, never 403', () => {
  it('lists only the caller’s chatbots', async () => {
    const res = await bob('GET', '/chatbots');
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([bobBot.id]);
  });

  it('hides another customer’s chatbot, conversation and message', async () => {
    for (const path of [
      `/chatbots/${aliceBot.id}`,
      `/messages/conversation/${aliceConversationId}`,
      `/messages/${aliceMessageId}`,
    ]) {
      const res = await bob('GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(JSON.stringify(res.body)).not.toContain('private to alice');
    }
  });

  it('answers 404 for unknown ids exactly as for foreign ones', async () => {
    const unknown = crypto.randomUUID();
    const foreign = await bob('GET', `/chatbots/${aliceBot.id}`);
    const missing = await bob('GET', `/chatbots/${unknown}`);
    expect({ ...foreign.body }).toEqual({ ...missing.body });
  });

  it('refuses to send to another customer’s chatbot and stores nothing', async () => {
    const res = await bob('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'u1', content: 'intrusion', channel: 'WIDGET' },
    });
    expect(res.status).toBe(404);
    const history = await historyOf(alice, aliceConversationId);
    expect(history.data.map((m) => [m.seq, m.role, m.content])).toEqual([
      [1, 'USER', 'private to alice'],
      [2, 'ASSISTANT', 'Echo: private to alice'],
    ]);
  });

  it('refuses another customer’s conversation with the caller’s own chatbot', async () => {
    const res = await bob('POST', '/messages/send', {
      body: {
        chatbotId: bobBot.id,
        conversationId: aliceConversationId,
        externalUserId: 'u1',
        content: 'x',
        channel: 'WIDGET',
      },
    });
    expect(res.status).toBe(404);
  });

  it('refuses a conversation of another chatbot of the same customer', async () => {
    const otherBot = await createChatbot(alice, { name: 'Alice second bot' });
    const res = await alice('POST', '/messages/send', {
      body: {
        chatbotId: otherBot.id,
        conversationId: aliceConversationId,
        externalUserId: 'u1',
        content: 'x',
        channel: 'WIDGET',
      },
    });
    expect(res.status).toBe(404);
  });

  it('returns a chatbot, every field as created, to its owner only', async () => {
    const body = { name: 'Exact bot', systemPrompt: 'Answer exactly.', model: 'gpt-exact', temperature: 0.25 };
    const created = await alice('POST', '/chatbots', { body });
    expect(created.status).toBe(201);
    const { id, createdAt, updatedAt } = created.body.data;
    // API.md section 3: what was sent, plus the id and timestamps the server gave it. (Fields added
    // since, with their defaults, are held to the same rule below: the GET repeats every field.)
    expect(created.body.data).toMatchObject({
      ...body,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(createdAt).toISOString()).toBe(createdAt);
    expect(new Date(updatedAt).toISOString()).toBe(updatedAt);

    const got = await alice('GET', `/chatbots/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    expect(got.body.data).toMatchObject({ ...body, id, createdAt, updatedAt });

    const nulls = { name: 'Default bot', systemPrompt: 'Be brief.', model: null, temperature: null };
    const plain = await alice('POST', '/chatbots', { body: nulls });
    expect(plain.body.data).toMatchObject(nulls);
    expect((await alice('GET', `/chatbots/${plain.body.data.id}`)).body).toEqual(plain.body);

    const foreign = await bob('GET', `/chatbots/${id}`);
    const unknown = await bob('GET', `/chatbots/${crypto.randomUUID()}`);
    expect([foreign.status, foreign.contentType]).toEqual([404, expect.stringContaining(PROBLEM)]);
    expect(foreign.body).toEqual(unknown.body);
    expect(JSON.stringify(foreign.body)).not.toMatch(/Exact bot|Answer exactly|gpt-exact/);
    expect((await bob('GET', '/chatbots')).body.data.map((c: { id: string }) => c.id)).toEqual([bobBot.id]);
  });

  it('hides another customer’s conversation behind the ?after= and ?before= cursors too', async () => {
    const secrets = ['private to alice', aliceMessageId, aliceConversationId, aliceBot.id];
    for (const query of [
      'after=0',
      'after=0&limit=100',
      'after=1&limit=1',
      'before=3',
      'before=1000&limit=1',
      'before=2',
    ]) {
      const own = await alice('GET', `/messages/conversation/${aliceConversationId}?${query}`);
      expect({ query, status: own.status }).toEqual({ query, status: 200 });
      expect(own.body.data.length).toBeGreaterThan(0);

      const foreign = await bob('GET', `/messages/conversation/${aliceConversationId}?${query}`);
      const unknown = await bob('GET', `/messages/conversation/${crypto.randomUUID()}?${query}`);
      expect({ query, status: foreign.status, contentType: foreign.contentType }).toEqual({
        query,
        status: 404,
        contentType: expect.stringContaining(PROBLEM),
      });
      expect(foreign.body).toEqual({
        type: expect.any(String),
        title: 'Not Found',
        status: 404,
        detail: expect.any(String),
      });
      expect(foreign.body).toEqual(unknown.body);
      for (const secret of secrets) expect(JSON.stringify(foreign.body)).not.toContain(secret);
    }
  });

  it('refuses a Socket.IO subscription to another customer’s conversation', async () => {
    const socket = await connectSocket(app.url, bobToken);
    try {
      const ack = await socket.emitWithAck('subscribe', { conversationId: aliceConversationId });
      expect(ack).toEqual({ ok: false, error: { code: 'not_found', message: expect.any(String) } });
      const invalid = await socket.emitWithAck('subscribe', { conversationId: 'nope' });
      expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid' } });
    } finally {
      socket.close();
    }
  });
});

describe('conversation rules', () => {
  it('continues a given conversation and answers 409 once it is closed', async () => {
    const sent = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'closer', content: 'first', channel: 'WIDGET' },
    });
    const conversationId = sent.body.data.conversation.id;
    await settledHistory(alice, conversationId, 2);
    const again = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, conversationId, externalUserId: 'closer', content: 'second', channel: 'WIDGET' },
    });
    expect(again.status).toBe(202);
    expect(again.body.data.conversation.id).toBe(conversationId);
    expect(again.body.data.message.seq).toBe(3); // after 'first' and its reply
    await settledHistory(alice, conversationId, 4);

    await app.deps.orm.em.fork().execute(`update conversation set status = 'CLOSED' where id = ?`, [conversationId]);
    const before = await historyOf(alice, conversationId);
    const closed = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, conversationId, externalUserId: 'closer', content: 'third', channel: 'WIDGET' },
    });
    expect(closed.status).toBe(409);
    expect(closed.contentType).toContain(PROBLEM);
    expect(await historyOf(alice, conversationId)).toEqual(before);

    const fresh = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'closer', content: 'new start', channel: 'WIDGET' },
    });
    expect(fresh.status).toBe(202);
    expect(fresh.body.data.conversation.id).not.toBe(conversationId);
    expect(fresh.body.data.message.seq).toBe(1);
  });

  it('keeps one open conversation per end user and channel, even for concurrent first messages', async () => {
    const sends = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        alice('POST', '/messages/send', {
          body: { chatbotId: aliceBot.id, externalUserId: 'racer', content: `m${i}`, channel: 'WHATSAPP' },
        }),
      ),
    );
    expect(sends.map((s) => s.status)).toEqual([202, 202, 202, 202, 202]);
    const conversationIds = new Set(sends.map((s) => s.body.data.conversation.id));
    expect(conversationIds.size).toBe(1);
    // Replies may interleave with the racing sends, so the seqs are not fixed: the five messages
    // and their five replies fill 1..10, and the user rows are exactly the accepted messages.
    const rows = await settledHistory(alice, [...conversationIds][0], 10);
    expect(rows.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const accepted = sends.map((s) => s.body.data.message).sort((a, b) => a.seq - b.seq);
    expect(rows.filter((m) => m.role === 'USER')).toEqual(accepted);
  });

  it('answers 409 for a conversation of another end user or channel of the same chatbot, and stores nothing', async () => {
    const sent = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'owner', content: 'mine', channel: 'WIDGET' },
    });
    const conversationId = sent.body.data.conversation.id;
    await settledHistory(alice, conversationId, 2);
    const before = await historyOf(alice, conversationId);
    expect(before.meta).toMatchObject({ total: 2 });

    for (const [externalUserId, channel] of [
      ['someone-else', 'WIDGET'],
      ['owner', 'WHATSAPP'],
      ['someone-else', 'WEBHOOK'],
    ]) {
      const res = await alice('POST', '/messages/send', {
        body: { chatbotId: aliceBot.id, conversationId, externalUserId, content: 'not yours', channel },
      });
      expect({ externalUserId, channel, status: res.status, contentType: res.contentType }).toEqual({
        externalUserId,
        channel,
        status: 409,
        contentType: expect.stringContaining(PROBLEM),
      });
      expect(res.body).toEqual({
        type: expect.any(String),
        title: 'Conflict',
        status: 409,
        detail: expect.any(String),
      });
    }
    expect(await historyOf(alice, conversationId)).toEqual(before);

    // Nothing was opened for the other end user either: their first message starts a conversation at seq 1.
    const other = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'someone-else', content: 'hello', channel: 'WIDGET' },
    });
    expect(other.status).toBe(202);
    expect(other.body.data.conversation.id).not.toBe(conversationId);
    expect(other.body.data.message.seq).toBe(1);
  });
});
