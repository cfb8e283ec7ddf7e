import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import type { FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  messageFlow,
  startScenario,
  startTestApp,
  type Api,
  type Scenario,
  type TestApp,
  type TestSocket,
  onSocket,
} from '../support/harness.js';

let scenario: Scenario;
let llm: FakeLlm;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  scenario = await startScenario('routing');
  llm = scenario.llm;
});
afterAll(async () => {
  await scenario?.stop();
});
beforeEach(() => llm.reset());
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

interface Target {
  app: TestApp;
  api: Api;
  token: string;
}

const main = (): Target => scenario;

/** A chatbot of the scenario's customer with these settings; returns its id. */
async function bot(settings: Record<string, unknown>, target = main()): Promise<string> {
  return (await createChatbot(target.api, settings)).id;
}

type Row = [number, string, string, string, Record<string, unknown>];

/**
 * A conversation with one exchange in it (`hello` and its answer, flows finished) and a socket
 * subscribed to its room, so every room event from here on is seen; the LLM's record is cleared.
 */
async function openConversation(chatbotId: string, target = main()) {
  const externalUserId = `user-${crypto.randomUUID()}`;
  const post = async (content: string, conversationId?: string) => {
    const res = await target.api('POST', '/messages/send', {
      body: { chatbotId, externalUserId, content, channel: 'WIDGET', conversationId },
    });
    expect(res.status).toBe(202);
    return res.body.data.message;
  };
  const send = async (content: string, conversationId?: string) => {
    const message = await post(content, conversationId);
    return { message, flow: await messageFlow(target.app, message.id) };
  };
  const hello = await send('hello');
  await hello.flow.result().catch(() => undefined);
  const conversationId: string = hello.message.conversationId;
  const socket = await connectSocket(target.app.url, target.token);
  sockets.push(socket);
  expect(await socket.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true, data: { conversationId } });
  llm.reset();

  // Each checkpoint moves the greeting's status forward once: its event comes after every event
  // the room got before it (one server, one connection, in order).
  const checkpoints: ('message:delivered' | 'message:read')[] = ['message:delivered', 'message:read'];
  return {
    conversationId,
    hello: hello.message,
    send: (content: string) => send(content, conversationId),
    /** Saves a message (202) without waiting for its flow to exist. */
    post: (content: string) => post(content, conversationId),
    /** The messages of the conversation as [seq, role, content, deliveryStatus, metadata]. */
    async rows(): Promise<Row[]> {
      const res = await target.api('GET', `/messages/conversation/${conversationId}`);
      expect(res.status).toBe(200);
      return (res.body.data as any[]).map((m) => [m.seq, m.role, m.content, m.deliveryStatus, m.metadata]);
    },
    async reply(seq: number) {
      const res = await target.api('GET', `/messages/conversation/${conversationId}`);
      return (res.body.data as any[]).find((m) => m.seq === seq);
    },
    /** Every event the room got since the last call (`ready` aside), as [event, payload]. */
    async events(): Promise<[string, unknown][]> {
      const event = checkpoints.shift()!;
      const status = event === 'message:delivered' ? 'DELIVERED' : 'READ';
      expect(await socket.emitWithAck(event, { messageId: hello.message.id })).toEqual({
        ok: true,
        data: { messageId: hello.message.id, status },
      });
      const isCheckpoint = (e: { event: string; payload: any }) =>
        e.event === 'message:status' && e.payload.messageId === hello.message.id && e.payload.status === status;
      await socket.waitFor(isCheckpoint);
      const seen = socket.events.splice(0).filter((e) => e.event !== 'ready');
      expect(isCheckpoint(seen.at(-1)!)).toBe(true);
      return seen.slice(0, -1).map((e) => [e.event, e.payload]);
    },
  };
}

/** The `message` event of a reply: the stored row as it was saved (PENDING, before delivery). */
const published = (row: any) => onSocket({ ...row, deliveryStatus: 'PENDING', updatedAt: expect.any(String) });
const sent = (row: any) => ({ messageId: row.id, conversationId: row.conversationId, status: 'SENT' });
const typing = (conversationId: string, isTyping: boolean) => ['typing', { conversationId, isTyping }];

describe('rules answer before the LLM', () => {
  it('a keyword rule replies with its text, without any LLM request', async () => {
    const text = 'Plans start at $10 a month.';
    const chatbotId = await bot({
      rules: [{ match: { type: 'keyword', value: 'price' }, action: { type: 'reply', text } }],
    });
    const c = await openConversation(chatbotId);

    const { message, flow } = await c.send('What is the PRICE, please?');
    const result = await flow.result();
    const reply = await c.reply(4);
    expect(result).toEqual({
      status: 'REPLIED',
      replyId: reply.id,
      route: { myTurn: true, responder: 'RULE', rule: 0, match: 'keyword "price"', action: 'reply', text },
    });
    expect(llm.requests).toHaveLength(0);
    expect(await c.rows()).toEqual([
      [1, 'USER', 'hello', 'SENT', {}],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT', { model: 'gpt-4o-mini' }],
      [3, 'USER', 'What is the PRICE, please?', 'SENT', {}],
      [4, 'ASSISTANT', text, 'SENT', { rule: 0 }],
    ]);
    expect(await c.events()).toEqual([
      ['message', onSocket(message)],
      ['message', published(reply)],
      ['message:status', sent(reply)],
    ]);
  });

  it('a regex rule answers what it matches; anything else goes to the LLM', async () => {
    const text = 'Your order is on its way.';
    const chatbotId = await bot({
      rules: [{ match: { type: 'regex', value: '^order\\s+#?\\d+' }, action: { type: 'reply', text } }],
    });
    const c = await openConversation(chatbotId);

    const matched = await c.send('Order #12345 where is it?');
    expect(await matched.flow.result()).toEqual({
      status: 'REPLIED',
      replyId: (await c.reply(4)).id,
      route: { myTurn: true, responder: 'RULE', rule: 0, match: 'regex "^order\\\\s+#?\\\\d+"', action: 'reply', text },
    });
    expect(llm.requests).toHaveLength(0);

    const other = await c.send('my order is late');
    expect(await other.flow.result()).toEqual({
      status: 'REPLIED',
      replyId: (await c.reply(6)).id,
      route: { myTurn: true, responder: 'LLM' },
    });
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0].messages.at(-1)).toEqual({ role: 'user', content: 'my order is late' });
    expect((await c.rows()).slice(2)).toEqual([
      [3, 'USER', 'Order #12345 where is it?', 'SENT', {}],
      [4, 'ASSISTANT', text, 'SENT', { rule: 0 }],
      [5, 'USER', 'my order is late', 'SENT', {}],
      [6, 'ASSISTANT', 'Echo: my order is late', 'SENT', { model: 'gpt-4o-mini' }],
    ]);
  });

  it('the first matching rule wins, in the order a PATCH sets', async () => {
    const byKeyword = {
      match: { type: 'keyword', value: 'refund' },
      action: { type: 'reply', text: 'Refunds take 5 days.' },
    };
    const byRegex = {
      match: { type: 'regex', value: 'refund|money back' },
      action: { type: 'reply', text: 'Ask billing for your money.' },
    };
    const chatbotId = await bot({ rules: [byKeyword, byRegex] });
    const c = await openConversation(chatbotId);

    const first = await c.send('I want a refund');
    expect(await first.flow.result()).toMatchObject({
      status: 'REPLIED',
      route: { responder: 'RULE', rule: 0, match: 'keyword "refund"', text: 'Refunds take 5 days.' },
    });

    const patched = await scenario.api('PATCH', `/chatbots/${chatbotId}`, { body: { rules: [byRegex, byKeyword] } });
    expect(patched.status).toBe(200);
    expect(patched.body.data.rules).toEqual([byRegex, byKeyword]);
    expect((await scenario.api('GET', `/chatbots/${chatbotId}`)).body.data.rules).toEqual([byRegex, byKeyword]);
    const second = await c.send('I want a refund');
    expect(await second.flow.result()).toMatchObject({
      status: 'REPLIED',
      route: { responder: 'RULE', rule: 0, match: 'regex "refund|money back"', text: 'Ask billing for your money.' },
    });

    // Fewer rules replace the list, they are not merged into it.
    const cleared = await scenario.api('PATCH', `/chatbots/${chatbotId}`, { body: { rules: [] } });
    expect(cleared.status).toBe(200);
    expect((await scenario.api('GET', `/chatbots/${chatbotId}`)).body.data.rules).toEqual([]);
    const third = await c.send('I want a refund');
    expect(await third.flow.result()).toMatchObject({ status: 'REPLIED', route: { myTurn: true, responder: 'LLM' } });

    expect(llm.requests).toHaveLength(1);
    expect((await c.rows()).slice(2)).toEqual([
      [3, 'USER', 'I want a refund', 'SENT', {}],
      [4, 'ASSISTANT', 'Refunds take 5 days.', 'SENT', { rule: 0 }],
      [5, 'USER', 'I want a refund', 'SENT', {}],
      [6, 'ASSISTANT', 'Ask billing for your money.', 'SENT', { rule: 0 }],
      [7, 'USER', 'I want a refund', 'SENT', {}],
      [8, 'ASSISTANT', 'Echo: I want a refund', 'SENT', { model: 'gpt-4o-mini' }],
    ]);
  });
});

describe('handoff rules give the conversation to a human', () => {
  it('with a text: says it, hands off, and the bot stays silent afterwards', async () => {
    const text = 'A person will be with you shortly.';
    const chatbotId = await bot({
      rules: [{ match: { type: 'keyword', value: 'human' }, action: { type: 'handoff', text } }],
    });
    const c = await openConversation(chatbotId);

    const asked = await c.send('I want a human');
    const result = await asked.flow.result();
    const reply = await c.reply(4);
    const route = { myTurn: true, responder: 'RULE', rule: 0, match: 'keyword "human"', action: 'handoff', text };
    expect(result).toEqual({ status: 'HANDED_OFF', reason: 'rule 1', replyId: reply.id, route });
    const reason = 'rule 1 (keyword "human") asked for a human';
    expect(await c.events()).toEqual([
      ['message', onSocket(asked.message)],
      ['conversation:status', { conversationId: c.conversationId, chatbotId, status: 'HANDOFF', reason }],
      ['message', published(reply)],
      ['message:status', sent(reply)],
    ]);
    expect((await scenario.api('GET', `/conversations/${c.conversationId}`)).body.data.status).toBe('HANDOFF');

    const after = await c.send('hello? still there?');
    expect(await after.flow.result()).toEqual({ status: 'SKIPPED', reason: 'conversation is handed off to a human' });
    expect(await c.events()).toEqual([['message', onSocket(after.message)]]);
    expect(llm.requests).toHaveLength(0);
    expect((await c.rows()).slice(2)).toEqual([
      [3, 'USER', 'I want a human', 'SENT', {}],
      [4, 'ASSISTANT', text, 'SENT', { rule: 0, handoff: true }],
      [5, 'USER', 'hello? still there?', 'SENT', {}],
    ]);
  });

  it('without a text: hands off with no reply at all', async () => {
    const chatbotId = await bot({
      rules: [{ match: { type: 'keyword', value: 'agent' }, action: { type: 'handoff' } }],
    });
    const c = await openConversation(chatbotId);

    const asked = await c.send('agent please');
    const route = { myTurn: true, responder: 'RULE', rule: 0, match: 'keyword "agent"', action: 'handoff' };
    expect(await asked.flow.result()).toEqual({ status: 'HANDED_OFF', reason: 'rule 1', route });
    expect(await c.events()).toEqual([
      ['message', onSocket(asked.message)],
      [
        'conversation:status',
        {
          conversationId: c.conversationId,
          chatbotId,
          status: 'HANDOFF',
          reason: 'rule 1 (keyword "agent") asked for a human',
        },
      ],
    ]);
    expect(llm.requests).toHaveLength(0);
    expect((await c.rows()).slice(2)).toEqual([[3, 'USER', 'agent please', 'SENT', {}]]);
    expect((await scenario.api('GET', `/conversations/${c.conversationId}`)).body.data.status).toBe('HANDOFF');
  });

  it('a message sent right behind the one that hands off is not answered either', async () => {
    const chatbotId = await bot({
      rules: [{ match: { type: 'keyword', value: 'human' }, action: { type: 'handoff', text: 'Hold on.' } }],
    });
    const c = await openConversation(chatbotId);

    const asked = await c.post('human!');
    const behind = await c.post('are you there?');
    expect(await (await messageFlow(scenario.app, asked.id)).result()).toMatchObject({
      status: 'HANDED_OFF',
      reason: 'rule 1',
    });
    expect(await (await messageFlow(scenario.app, behind.id)).result()).toEqual({
      status: 'SKIPPED',
      reason: 'conversation is handed off to a human',
    });
    expect(llm.requests).toHaveLength(0);
    // The reply's seq depends on whether it was saved before the second message (usually not).
    const rows = (await c.rows()).slice(2);
    expect(rows.map(([seq]) => seq)).toEqual([3, 4, 5]);
    expect(rows.map(([, ...rest]) => rest)).toEqual(
      expect.arrayContaining([
        ['USER', 'human!', 'SENT', {}],
        ['ASSISTANT', 'Hold on.', 'SENT', { rule: 0, handoff: true }],
        ['USER', 'are you there?', 'SENT', {}],
      ]),
    );
    expect(rows[0]).toEqual([3, 'USER', 'human!', 'SENT', {}]);
  });
});

describe('rules are validated on write', () => {
  const ruleWith = (value: string) => ({ match: { type: 'regex', value }, action: { type: 'reply', text: 'x' } });
  const kept = { match: { type: 'keyword', value: 'hours' }, action: { type: 'reply', text: 'We are open 9 to 5.' } };
  const problems = [
    ['(a+)+$', 'the pattern can backtrack catastrophically (ReDoS): rewrite it without nested quantifiers'],
    ['([a-z]', 'the pattern does not compile: Unterminated group'],
  ];

  it.each(problems)('refuses %s on POST and PATCH, naming the field, and stores nothing', async (pattern, message) => {
    const { api } = scenario;
    const before = (await api('GET', '/chatbots?limit=100')).body.meta.total;
    const created = await api('POST', '/chatbots', { body: { name: 'Bad rules', rules: [kept, ruleWith(pattern)] } });
    expect(created.status).toBe(400);
    expect(created.contentType).toMatch(/^application\/problem\+json/);
    expect(created.body).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is invalid',
      errors: [{ path: 'rules.1.match.value', message }],
    });
    expect((await api('GET', '/chatbots?limit=100')).body.meta.total).toBe(before);

    const chatbotId = await bot({ rules: [kept] });
    const patched = await api('PATCH', `/chatbots/${chatbotId}`, {
      body: { name: 'Renamed', rules: [ruleWith(pattern), kept] },
    });
    expect(patched.status).toBe(400);
    expect(patched.contentType).toMatch(/^application\/problem\+json/);
    expect(patched.body.errors).toEqual([{ path: 'rules.0.match.value', message }]);
    const stored = (await api('GET', `/chatbots/${chatbotId}`)).body.data;
    expect(stored).toMatchObject({ name: 'Support bot', rules: [kept] });
  });
});

describe('a permanent LLM failure follows the chatbot’s plan', () => {
  const fallbackReply = 'Sorry, I cannot answer right now. Please try again later.';

  it('onFailure fallback: answers with the fallback reply', async () => {
    const chatbotId = await bot({ fallbackReply });
    const c = await openConversation(chatbotId);
    llm.script({ kind: 'error', status: 400, message: 'model does not exist' });

    const asked = await c.send('anything');
    const result = await asked.flow.result();
    const reply = await c.reply(4);
    expect(result).toEqual({
      status: 'REPLIED',
      replyId: reply.id,
      route: { myTurn: true, responder: 'LLM', onFailure: { action: 'reply', text: fallbackReply } },
    });
    expect(llm.requests).toHaveLength(1);
    expect((await c.rows()).slice(2)).toEqual([
      [3, 'USER', 'anything', 'SENT', {}],
      [4, 'ASSISTANT', fallbackReply, 'SENT', { fallback: true, reason: 'LlmRejected' }],
    ]);
    expect(await c.events()).toEqual([
      ['message', onSocket(asked.message)],
      typing(c.conversationId, true),
      typing(c.conversationId, false),
      ['message', published(reply)],
      ['message:status', sent(reply)],
    ]);
  });

  it('onFailure handoff: hands the conversation to a human, without a reply, and stays silent afterwards', async () => {
    const chatbotId = await bot({ fallbackReply, onFailure: 'handoff' });
    const c = await openConversation(chatbotId);
    llm.script({ kind: 'error', status: 400, message: 'model does not exist' });

    const asked = await c.send('anything');
    const reason = 'the bot could not answer (LlmRejected)';
    expect(await asked.flow.result()).toEqual({
      status: 'HANDED_OFF',
      reason,
      route: { myTurn: true, responder: 'LLM', onFailure: { action: 'handoff' } },
    });
    expect(await c.events()).toEqual([
      ['message', onSocket(asked.message)],
      typing(c.conversationId, true),
      typing(c.conversationId, false),
      ['conversation:status', { conversationId: c.conversationId, chatbotId, status: 'HANDOFF', reason }],
    ]);

    const after = await c.send('hello?');
    expect(await after.flow.result()).toEqual({ status: 'SKIPPED', reason: 'conversation is handed off to a human' });
    expect(await c.events()).toEqual([['message', onSocket(after.message)]]);
    expect(llm.requests).toHaveLength(1);
    expect((await c.rows()).slice(2)).toEqual([
      [3, 'USER', 'anything', 'SENT', {}],
      [4, 'USER', 'hello?', 'SENT', {}],
    ]);
  });

  it('no plan (no fallback reply): the reply is FAILED with the reason, as before', async () => {
    const chatbotId = await bot({});
    const c = await openConversation(chatbotId);
    llm.script({ kind: 'error', status: 400, message: 'model does not exist' });

    const asked = await c.send('anything');
    const failure = await asked.flow.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const reply = await c.reply(4);
    const error = { type: 'LlmRejected', message: 'The language model refused to answer this message.' };
    expect((await c.rows()).slice(2)).toEqual([
      [3, 'USER', 'anything', 'SENT', {}],
      [4, 'ASSISTANT', '', 'FAILED', { error }],
    ]);
    expect(await c.events()).toEqual([
      ['message', onSocket(asked.message)],
      typing(c.conversationId, true),
      typing(c.conversationId, false), // once: the stream ended its own typing, the failure says nothing more
      ['message', onSocket({ ...reply, updatedAt: expect.any(String) })],
      ['message:status', { messageId: reply.id, conversationId: c.conversationId, status: 'FAILED' }],
    ]);
  });

  it('with no LLM configured: answers with the fallback reply, calling nothing', async () => {
    const bare = await startTestApp({ OPENAI_BASE_URL: undefined, OPENAI_API_KEY: undefined, EMBEDDED_LLM: 'false' });
    try {
      const target = { app: bare, api: apiClient(bare.url, scenario.token), token: scenario.token };
      const chatbotId = await bot({ fallbackReply }, target);
      const c = await openConversation(chatbotId, target);

      const asked = await c.send('anyone there?');
      const result = await asked.flow.result();
      const reply = await c.reply(4);
      expect(result).toEqual({
        status: 'REPLIED',
        replyId: reply.id,
        route: { myTurn: true, responder: 'LLM', onFailure: { action: 'reply', text: fallbackReply } },
      });
      const fallback = { fallback: true, reason: 'LlmNotConfigured' };
      expect(await c.rows()).toEqual([
        [1, 'USER', 'hello', 'SENT', {}],
        [2, 'ASSISTANT', fallbackReply, 'SENT', fallback],
        [3, 'USER', 'anyone there?', 'SENT', {}],
        [4, 'ASSISTANT', fallbackReply, 'SENT', fallback],
      ]);
      expect(await c.events()).toEqual([
        ['message', onSocket(asked.message)],
        ['message', published(reply)],
        ['message:status', sent(reply)],
      ]);
      expect(llm.requests).toHaveLength(0);
    } finally {
      await bare.stop();
    }
  });
});

describe('a deleted chatbot', () => {
  it('accepts no messages, and its conversations stay readable', async () => {
    const { api } = scenario;
    const chatbotId = await bot({});
    const c = await openConversation(chatbotId);

    expect((await api('DELETE', `/chatbots/${chatbotId}`)).status).toBe(204);
    expect((await api('GET', `/chatbots/${chatbotId}`)).status).toBe(404);
    const refused = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: 'someone-new', content: 'hi', channel: 'WIDGET' },
    });
    expect(refused.status).toBe(404);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    const intoOld = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: 'x', content: 'hi', channel: 'WIDGET', conversationId: c.conversationId },
    });
    expect(intoOld.status).toBe(404);

    const history = await api('GET', `/messages/conversation/${c.conversationId}`);
    expect(history.status).toBe(200);
    expect(await c.rows()).toEqual([
      [1, 'USER', 'hello', 'SENT', {}],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT', { model: 'gpt-4o-mini' }],
    ]);
    expect(await c.events()).toEqual([]);
    expect(llm.requests).toHaveLength(0);
  });
});
