import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  createChatbot,
  settledHistory,
  startTestApp,
  tokenFor,
  uiLinks,
  type Api,
  type TestApp,
} from '../support/harness.js';

let llm: FakeLlm;
let app: TestApp;
let alice: Api;
let bob: Api;
let aliceBot: { id: string };
let aliceOtherBot: { id: string };
let bobBot: { id: string };
/** Alice's conversations, oldest activity first, with what a reader should see of each. */
const mine: Record<string, any> = {};

const PROBLEM = 'application/problem+json';

/** Sends a message, waits for its reply, and returns the conversation as a reader should see it now. */
async function talk(
  api: Api,
  body: { chatbotId: string; externalUserId: string; channel?: string; conversationId?: string },
  content = 'hello',
) {
  const sent = await api('POST', '/messages/send', { body: { channel: 'WIDGET', content, ...body } });
  expect(sent.status).toBe(202);
  const conversation = sent.body.data.conversation;
  expect(conversation.links).toEqual({ flows: uiLinks.flows(conversation.id) });
  const history = await settledHistory(api, conversation.id);
  const last = history.at(-1);
  return { ...conversation, lastMessageAt: last.createdAt, updatedAt: last.createdAt };
}

const list = async (api: Api, query = '') => {
  const res = await api('GET', `/conversations${query}`);
  expect({ query, status: res.status }).toEqual({ query, status: 200 });
  return res.body as { data: any[]; meta: { limit: number; nextCursor: string | null } };
};
const ids = (page: { data: { id: string }[] }) => page.data.map((c) => c.id);

beforeAll(async () => {
  llm = await startFakeLlm();
  app = await startTestApp({ OPENAI_BASE_URL: llm.url });
  alice = apiClient(app.url, tokenFor(`alice-${crypto.randomUUID()}`));
  bob = apiClient(app.url, tokenFor(`bob-${crypto.randomUUID()}`));
  aliceBot = await createChatbot(alice, { name: 'Alice bot' });
  aliceOtherBot = await createChatbot(alice, { name: 'Alice second bot' });
  bobBot = await createChatbot(bob, { name: 'Bob bot' });
  // One at a time, each settled: their activity order is their creation order.
  mine.u1 = await talk(alice, { chatbotId: aliceBot.id, externalUserId: 'u1' });
  mine.u2 = await talk(alice, { chatbotId: aliceBot.id, externalUserId: 'u2' });
  mine.u1wa = await talk(alice, { chatbotId: aliceBot.id, externalUserId: 'u1', channel: 'WHATSAPP' });
  mine.other = await talk(alice, { chatbotId: aliceOtherBot.id, externalUserId: 'u1' });
  mine.bob = await talk(bob, { chatbotId: bobBot.id, externalUserId: 'u1' });
  const em = app.deps.orm.em.fork();
  await em.execute(`update conversation set status = 'HANDOFF' where id = ?`, [mine.u2.id]);
  await em.execute(`update conversation set status = 'CLOSED' where id = ?`, [mine.u1wa.id]);
  mine.u2.status = 'HANDOFF';
  mine.u1wa.status = 'CLOSED';
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
});

describe('GET /conversations', () => {
  it('lists the caller’s conversations, most recently active first, with every field', async () => {
    const page = await list(alice);
    expect(page).toEqual({ data: [mine.other, mine.u1wa, mine.u2, mine.u1], meta: { limit: 20, nextCursor: null } });

    // u1 talks again: it moves to the top, with its new lastMessageAt.
    mine.u1 = await talk(alice, { chatbotId: aliceBot.id, externalUserId: 'u1', conversationId: mine.u1.id }, 'again');
    expect((await list(alice)).data).toEqual([mine.u1, mine.other, mine.u1wa, mine.u2]);
  });

  it('orders a conversation without messages by its creation', async () => {
    const empty = {
      id: crypto.randomUUID(),
      chatbotId: aliceOtherBot.id,
      externalUserId: 'silent',
      channel: 'WEBHOOK',
      status: 'OPEN',
      lastMessageAt: null,
    };
    const createdAt = new Date();
    await app.deps.orm.em
      .fork()
      .execute(
        `insert into conversation (id, chatbot_id, external_user_id, channel, status, last_seq, created_at, updated_at) values (?, ?, ?, ?, 'OPEN', 0, ?, ?)`,
        [empty.id, empty.chatbotId, empty.externalUserId, empty.channel, createdAt, createdAt],
      );
    const page = await list(alice, `?chatbotId=${aliceOtherBot.id}`);
    expect(page.data).toEqual([
      {
        ...empty,
        createdAt: createdAt.toISOString(),
        updatedAt: createdAt.toISOString(),
        links: { flows: uiLinks.flows(empty.id) },
      },
      mine.other,
    ]);
    await app.deps.orm.em.fork().execute('delete from conversation where id = ?', [empty.id]);
  });

  it('filters by chatbotId, status and externalUserId, alone and together', async () => {
    const cases: [string, any[]][] = [
      [`?chatbotId=${aliceBot.id}`, [mine.u1, mine.u1wa, mine.u2]],
      [`?chatbotId=${aliceOtherBot.id}`, [mine.other]],
      ['?status=OPEN', [mine.u1, mine.other]],
      ['?status=HANDOFF', [mine.u2]],
      ['?status=CLOSED', [mine.u1wa]],
      ['?externalUserId=u1', [mine.u1, mine.other, mine.u1wa]],
      ['?externalUserId=u2', [mine.u2]],
      ['?externalUserId=nobody', []],
      [`?chatbotId=${aliceBot.id}&externalUserId=u1`, [mine.u1, mine.u1wa]],
      [`?chatbotId=${aliceBot.id}&externalUserId=u1&status=OPEN`, [mine.u1]],
      [`?chatbotId=${aliceOtherBot.id}&status=CLOSED`, []],
      // A uuid that is not one of the caller's chatbots is not an error: it matches nothing.
      [`?chatbotId=${crypto.randomUUID()}`, []],
      [`?chatbotId=${bobBot.id}`, []],
    ];
    for (const [query, expected] of cases)
      expect({ query, data: (await list(alice, query)).data }).toEqual({ query, data: expected });
  });

  it('pages with limit and an opaque cursor until nextCursor is null', async () => {
    const first = await list(alice, '?limit=3');
    expect(first.data).toEqual([mine.u1, mine.other, mine.u1wa]);
    expect(first.meta).toEqual({ limit: 3, nextCursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    const second = await list(alice, `?limit=3&cursor=${first.meta.nextCursor}`);
    expect(second).toEqual({ data: [mine.u2], meta: { limit: 3, nextCursor: null } });
    // Exactly a page full: the end is known only from the next (empty) page.
    const full = await list(alice, `?limit=4`);
    expect(ids(full)).toEqual([mine.u1.id, mine.other.id, mine.u1wa.id, mine.u2.id]);
    expect(full.meta.nextCursor).toBeNull();
  });

  it('answers 400 naming the parameter for bad query values and cursors', async () => {
    const b64 = (value: unknown) =>
      Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const valid = { t: '2030-01-01T00:00:00.000000Z', at: '2029-12-31T00:00:00.000000Z', id: crypto.randomUUID() };
    const cases: [string, string][] = [
      ['chatbotId=nope', 'chatbotId'],
      ['status=open', 'status'],
      ['status=PENDING', 'status'],
      ['status=OPEN&status=CLOSED', 'status'],
      ['externalUserId=', 'externalUserId'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=', 'limit'],
      ['page=2', ''],
      ['cursor=', 'cursor'],
      ['cursor=garbage!!', 'cursor'],
      [`cursor=${b64('not json')}`, 'cursor'],
      [`cursor=${b64({ t: valid.t, at: valid.at })}`, 'cursor'],
      [`cursor=${b64({ ...valid, id: 'x' })}`, 'cursor'],
      [`cursor=${b64({ ...valid, t: 'yesterday' })}`, 'cursor'],
      [`cursor=${b64({ ...valid, extra: 1 })}`, 'cursor'],
      [`cursor=${b64({ ...valid, at: valid.t, t: valid.at })}`, 'cursor'], // activity after the snapshot: altered
    ];
    for (const [query, path] of cases) {
      const res = await alice('GET', `/conversations?${query}`);
      expect({ query, status: res.status, contentType: res.contentType }).toEqual({
        query,
        status: 400,
        contentType: expect.stringContaining(PROBLEM),
      });
      expect({ query, paths: res.body.errors.map((e: { path: string }) => e.path) }).toEqual({ query, paths: [path] });
    }
    const valid200 = await alice('GET', `/conversations?cursor=${b64(valid)}`);
    expect(valid200.status).toBe(200); // well-formed: honoured (it grants nothing; the tenant is the token's)
  });
});

describe('GET /conversations/:id', () => {
  it('returns the conversation as the listing shows it', async () => {
    for (const conversation of [mine.u1, mine.u2, mine.u1wa, mine.other]) {
      const res = await alice('GET', `/conversations/${conversation.id}`);
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: conversation } });
    }
  });

  it('answers 400 for an id that is not a uuid', async () => {
    const res = await alice('GET', '/conversations/nope');
    expect([res.status, res.contentType, res.body.errors]).toEqual([
      400,
      expect.stringContaining(PROBLEM),
      [{ path: 'id', message: expect.any(String) }],
    ]);
  });
});

describe('tenant isolation', () => {
  it('shows another customer none of the caller’s conversations, by list, filter, cursor or id', async () => {
    expect((await list(bob)).data).toEqual([mine.bob]);
    expect((await list(bob, `?chatbotId=${aliceBot.id}`)).data).toEqual([]);
    const aliceCursor = (await list(alice, '?limit=1')).meta.nextCursor;
    expect((await list(bob, `?cursor=${aliceCursor}`)).data.map((c) => c.id)).not.toContain(mine.u1.id);
    expect((await list(alice)).data.map((c) => c.id)).not.toContain(mine.bob.id);

    const unknown = await bob('GET', `/conversations/${crypto.randomUUID()}`);
    expect([unknown.status, unknown.contentType]).toEqual([404, expect.stringContaining(PROBLEM)]);
    for (const conversation of [mine.u1, mine.u2, mine.u1wa, mine.other]) {
      const foreign = await bob('GET', `/conversations/${conversation.id}`);
      expect({ status: foreign.status, body: foreign.body }).toEqual({ status: 404, body: unknown.body });
    }
    expect((await alice('GET', `/conversations/${mine.bob.id}`)).status).toBe(404);
  });
});

describe('a cursor traversal is stable while messages arrive', () => {
  it('returns every conversation that existed at its start exactly once, in activity order as of then', async () => {
    const carol = apiClient(app.url, tokenFor(`carol-${crypto.randomUUID()}`));
    const bot = await createChatbot(carol, { name: 'Carol bot' });
    const send = (n: number | string, conversationId?: string) =>
      talk(carol, { chatbotId: bot.id, externalUserId: `user-${n}`, conversationId }, `from ${n}`);
    const original: any[] = [];
    for (let n = 1; n <= 12; n++) original.push(await send(n));
    const byActivity = original.map((c) => c.id).reverse(); // the 12th talked last
    const [c1, c2, , , c5, , , , , c10] = original.map((c) => c.id as string);

    const traversal: any[] = [];
    const page1 = await list(carol, '?limit=5');
    traversal.push(...page1.data);
    expect(ids(page1)).toEqual(byActivity.slice(0, 5));

    // Mid-traversal: one not yet listed and one listed talk again, and a new conversation opens.
    const c1Now = await send(1, c1);
    await send(10, c10);
    const fresh = await send(13);
    const page2 = await list(carol, `?limit=5&cursor=${page1.meta.nextCursor}`);
    traversal.push(...page2.data);
    expect(ids(page2)).toEqual(byActivity.slice(5, 10));

    const c2Now = await send(2, c2);
    await send(5, c5);
    const page3 = await list(carol, `?limit=5&cursor=${page2.meta.nextCursor}`);
    traversal.push(...page3.data);
    expect(page3.meta).toEqual({ limit: 5, nextCursor: null });

    expect(traversal.map((c) => c.id)).toEqual(byActivity); // each once, no gaps, the new one not among them
    // Ordered as of the start, but every row shows its current fields.
    expect(page3.data).toEqual([c2Now, c1Now]);

    const after = await list(carol, '?limit=100');
    expect(ids(after)).toEqual([
      c5,
      c2,
      fresh.id,
      c10,
      c1,
      ...byActivity.filter((id) => ![c5, c2, c10, c1].includes(id)),
    ]);
  });
});
