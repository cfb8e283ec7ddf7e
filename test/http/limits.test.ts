import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer as createNetServer } from 'node:net';
import { createClient } from 'redis';
import { TooManyRequests } from '../../src/errors.js';
import { createRateLimits } from '../../src/limits/rate-limits.js';
import { createLogger } from '../../src/logger.js';
import { metricValue } from '../support/metrics.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  messageFlow,
  settledHistory,
  startScenario,
  tokenFor,
  type Api,
  type ApiResponse,
  type Scenario,
} from '../support/harness.js';

// One process, no Redis: the in-memory counters. test/app/split-limits.test.ts runs the same
// limits in Redis across two API processes.
const USER_LIMIT = 3;
const CUSTOMER_LIMIT = 10;
const SOCKET_LIMIT = 5;

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario('limits', {
    RATE_LIMIT_USER_SENDS_PER_MINUTE: String(USER_LIMIT),
    RATE_LIMIT_CUSTOMER_SENDS_PER_MINUTE: String(CUSTOMER_LIMIT),
    RATE_LIMIT_SOCKET_EVENTS_PER_MINUTE: String(SOCKET_LIMIT),
  });
});
afterAll(async () => {
  await scenario?.stop();
});

/** A customer of its own (its own budgets) with a chatbot. */
async function customer(label: string, chatbot: Record<string, unknown> = {}) {
  const token = tokenFor(`${label}-${crypto.randomUUID()}`);
  const api = apiClient(scenario.app.url, token);
  const bot = await createChatbot(api, chatbot);
  return { token, api, chatbotId: bot.id };
}

const send = (
  api: Api,
  chatbotId: string,
  externalUserId: string,
  content: string,
  headers: Record<string, string> = {},
) => api('POST', '/messages/send', { body: { chatbotId, externalUserId, content, channel: 'WIDGET' }, headers });

/** Sends all at once; the statuses come back sorted. */
async function burst(requests: (() => Promise<ApiResponse>)[]) {
  const responses = await Promise.all(requests.map((r) => r()));
  return { responses, statuses: responses.map((r) => r.status).sort() };
}

/** The refusals /metrics counts for one limit. */
const refusals = (limit: string) => metricValue(scenario.app.url, 'chatflow_rate_limited_total', { limit });

/** Every server default off: a test turns on the one it counts. */
const NO_LIMITS = {
  customerSendsPerMinute: 0,
  userSendsPerMinute: 0,
  socketEventsPerMinute: 0,
  widgetSessionsPerAddress: 0,
  widgetSessionsPerChatbot: 0,
};
const repeat = (n: number, status: number) => Array.from({ length: n }, () => status);

/** A 429 as every client sees it: problem+json naming the limit, and Retry-After in whole seconds. */
function expectTooMany(res: ApiResponse, limit: RegExp) {
  expect(res.status).toBe(429);
  expect(res.contentType).toContain('application/problem+json');
  expect(res.body).toEqual({
    type: 'about:blank',
    title: 'Too Many Requests',
    status: 429,
    detail: expect.stringMatching(limit),
  });
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
}

/** What the database holds for a chatbot: rows, not responses. */
async function stored(chatbotId: string, customerId?: string) {
  const db = scenario.app.deps.orm.em.fork();
  const [counts] = await db.execute<{ conversations: number; user: number; agent: number }[]>(
    `select (select count(*)::int from conversation where chatbot_id = ?) as conversations,
            count(*) filter (where m.role = 'USER')::int as user, count(*) filter (where m.role = 'AGENT')::int as agent
       from message m join conversation c on c.id = m.conversation_id where c.chatbot_id = ?`,
    [chatbotId, chatbotId],
  );
  const keys = customerId
    ? (
        await db.execute<{ n: number }[]>('select count(*)::int as n from idempotency_key where customer_id = ?', [
          customerId,
        ])
      )[0].n
    : undefined;
  return { ...counts, keys };
}

describe('sends per end user', () => {
  it('accepts exactly the limit of a concurrent burst, answers the rest 429 with Retry-After, and stores nothing for them', async () => {
    const label = `user-${crypto.randomUUID()}`;
    const token = tokenFor(label);
    const api = apiClient(scenario.app.url, token);
    const { id: chatbotId } = await createChatbot(api);
    const extra = 4;
    const refusedBefore = await refusals('user');
    // Half of them with an Idempotency-Key: the keyed path counts inside its own transaction.
    const { responses, statuses } = await burst(
      Array.from(
        { length: USER_LIMIT + extra },
        (_, i) => () => send(api, chatbotId, 'u1', `burst ${i}`, i % 2 ? { 'Idempotency-Key': `burst-${i}` } : {}),
      ),
    );
    expect(statuses).toEqual([...repeat(USER_LIMIT, 202), ...repeat(extra, 429)]);
    for (const res of responses.filter((r) => r.status === 429))
      expectTooMany(res, /^Too many messages for this end user: at most 3 a minute\. Retry in \d+ s\.$/);

    const accepted = responses.filter((r) => r.status === 202);
    const keyed = responses.map((r, i) => ({ r, i })).filter(({ r, i }) => r.status === 202 && i % 2);
    expect(await stored(chatbotId, label)).toEqual({
      conversations: 1,
      user: USER_LIMIT,
      agent: 0,
      keys: keyed.length,
    });
    // Every accepted message is answered, and only those: no flow ran for a refused one.
    const conversationId = accepted[0].body.data.conversation.id;
    const history = await settledHistory(api, conversationId, USER_LIMIT * 2);
    expect(
      history
        .filter((m) => m.role === 'USER')
        .map((m) => m.id)
        .sort(),
    ).toEqual(accepted.map((r) => r.body.data.message.id).sort());

    // Over the limit, a replay of a stored Idempotency-Key still answers: it counts nothing.
    if (keyed.length > 0) {
      const { r, i } = keyed[0];
      const replay = await send(api, chatbotId, 'u1', `burst ${i}`, { 'Idempotency-Key': `burst-${i}` });
      expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body]).toEqual([202, 'true', r.body]);
    }
    expectTooMany(await send(api, chatbotId, 'u1', 'still too many'), /end user/);
    expect(await refusals('user')).toBe(refusedBefore + extra + 1);

    // Another end user of the same chatbot has a budget of its own.
    expect((await send(api, chatbotId, 'u2', 'hello')).status).toBe(202);
    expect(await stored(chatbotId, label)).toEqual({
      conversations: 2,
      user: USER_LIMIT + 1,
      agent: 0,
      keys: keyed.length,
    });
  });

  it('a send refused for another reason (a closed conversation) counts nothing', async () => {
    const { api, chatbotId } = await customer('refused');
    const first = await send(api, chatbotId, 'u1', 'one');
    const conversationId = first.body.data.conversation.id;
    expect((await api('POST', `/conversations/${conversationId}/close`)).status).toBe(200);
    for (let i = 0; i < USER_LIMIT + 2; i++) {
      const res = await api('POST', '/messages/send', {
        body: { chatbotId, externalUserId: 'u1', content: 'into the closed one', channel: 'WIDGET', conversationId },
      });
      expect(res.status).toBe(409);
    }
    // One of three used: two more go through (into a new conversation), the next is refused.
    const { statuses } = await burst(repeat(3, 0).map(() => () => send(api, chatbotId, 'u1', 'again')));
    expect(statuses).toEqual([202, 202, 429]);
  });
});

describe('sends per customer', () => {
  it('counts every chatbot and end user of the customer together, and no other customer', async () => {
    const label = `customer-${crypto.randomUUID()}`;
    const api = apiClient(scenario.app.url, tokenFor(label));
    const bots = [(await createChatbot(api)).id, (await createChatbot(api)).id];
    const extra = 3;
    // Every send from another end user, alternating between the two chatbots: only the customer's
    // limit can refuse them.
    const { responses, statuses } = await burst(
      Array.from({ length: CUSTOMER_LIMIT + extra }, (_, i) => () => send(api, bots[i % 2], `user-${i}`, `hi ${i}`)),
    );
    expect(statuses).toEqual([...repeat(CUSTOMER_LIMIT, 202), ...repeat(extra, 429)]);
    for (const res of responses.filter((r) => r.status === 429))
      expectTooMany(res, /^Too many messages for this customer account: at most 10 a minute\./);
    const rows = [await stored(bots[0]), await stored(bots[1])];
    expect(rows[0].user + rows[1].user).toBe(CUSTOMER_LIMIT);
    expect(rows[0].conversations + rows[1].conversations).toBe(CUSTOMER_LIMIT);

    // Another customer is not touched by it.
    const other = await customer('bystander');
    expect((await send(other.api, other.chatbotId, 'user-0', 'hi')).status).toBe(202);
  });
});

describe('a chatbot’s own limits', () => {
  it('are set and merged by PATCH, take effect at once, and null gives the server default back', async () => {
    const { api, chatbotId } = await customer('override');
    const path = `/chatbots/${chatbotId}`;
    expect((await api('GET', path)).body.data.limits).toEqual({ sendsPerMinute: null, userSendsPerMinute: null });
    for (const limits of [
      { sendsPerMinute: 0 },
      { userSendsPerMinute: 1.5 },
      { perHour: 3 },
      { sendsPerMinute: '5' },
    ]) {
      const res = await api('PATCH', path, { body: { limits } });
      expect([res.status, res.body.errors?.[0]?.path]).toEqual([400, expect.stringMatching(/^limits/)]);
    }
    const patched = await api('PATCH', path, { body: { limits: { userSendsPerMinute: 5 } } });
    expect(patched.body.data.limits).toEqual({ sendsPerMinute: null, userSendsPerMinute: 5 });
    const both = await api('PATCH', path, { body: { limits: { sendsPerMinute: 6 } } });
    expect(both.body.data.limits).toEqual({ sendsPerMinute: 6, userSendsPerMinute: 5 });
    expect((await api('GET', path)).body.data.limits).toEqual({ sendsPerMinute: 6, userSendsPerMinute: 5 });

    // The end user's limit is the chatbot's 5, not the server's 3.
    const first = await burst(repeat(7, 0).map((_, i) => () => send(api, chatbotId, 'u1', `m${i}`)));
    expect(first.statuses).toEqual([...repeat(5, 202), 429, 429]);
    for (const res of first.responses.filter((r) => r.status === 429))
      expectTooMany(res, /this end user: at most 5 a minute/);
    // The chatbot's 6 a minute: one more from anyone.
    const second = await burst([() => send(api, chatbotId, 'u2', 'a'), () => send(api, chatbotId, 'u3', 'b')]);
    expect(second.statuses).toEqual([202, 429]);
    expectTooMany(
      second.responses.find((r) => r.status === 429)!,
      /^Too many messages for this chatbot: at most 6 a minute\./,
    );
    expect(await stored(chatbotId)).toMatchObject({ user: 6 });

    // Back to the default: no chatbot limit, only the customer's (10, 6 used).
    expect((await api('PATCH', path, { body: { limits: { sendsPerMinute: null } } })).body.data.limits).toEqual({
      sendsPerMinute: null,
      userSendsPerMinute: 5,
    });
    expect((await send(api, chatbotId, 'u4', 'c')).status).toBe(202);

    // Set on creation too.
    const created = await api('POST', '/chatbots', { body: { name: 'limited', limits: { sendsPerMinute: 1 } } });
    expect([created.status, created.body.data.limits]).toEqual([201, { sendsPerMinute: 1, userSendsPerMinute: null }]);
  });
});

describe('agent messages and retries', () => {
  it('an agent’s messages count against the chatbot’s and customer’s limits, not an end user’s', async () => {
    const { api, chatbotId } = await customer('agent', { limits: { sendsPerMinute: 4 } });
    const conversationId = (await send(api, chatbotId, 'u1', 'help')).body.data.conversation.id;
    const { responses, statuses } = await burst(
      repeat(5, 0).map(
        (_, i) => () => api('POST', `/conversations/${conversationId}/messages`, { body: { content: `agent ${i}` } }),
      ),
    );
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    for (const res of responses.filter((r) => r.status === 429)) expectTooMany(res, /this chatbot: at most 4 a minute/);
    expect(await stored(chatbotId)).toMatchObject({ conversations: 1, user: 1, agent: 3 });
  });

  it('a retry counts against the customer’s limit; refused, its reply stays FAILED and no new run starts', async () => {
    const { api, chatbotId } = await customer('retry');
    const { app } = scenario;
    const failed = [];
    for (const user of ['a', 'b']) {
      // A WEBHOOK conversation of a chatbot without a webhook: its reply FAILS (ChannelNotConfigured).
      const sent = await api('POST', '/messages/send', {
        body: { chatbotId, externalUserId: user, content: 'please', channel: 'WEBHOOK' },
      });
      const message = sent.body.data.message;
      await (await messageFlow(app, message.id)).result().catch(() => undefined);
      const [, reply] = await settledHistory(api, sent.body.data.conversation.id, 2);
      expect(reply.deliveryStatus).toBe('FAILED');
      failed.push({ message, conversationId: sent.body.data.conversation.id });
    }
    // 2 sent; 7 more leave one send of the customer's 10.
    const { statuses } = await burst(repeat(7, 0).map((_, i) => () => send(api, chatbotId, `filler-${i}`, 'x')));
    expect(statuses).toEqual(repeat(7, 202));
    expect((await api('POST', `/messages/${failed[0].message.id}/retry`)).status).toBe(202);

    const flow = await messageFlow(app, failed[1].message.id);
    const runBefore = (await flow.describe()).runId;
    const refused = await api('POST', `/messages/${failed[1].message.id}/retry`);
    expectTooMany(refused, /this customer account/);
    expect((await flow.describe()).runId).toBe(runBefore);
    const [, reply] = await settledHistory(api, failed[1].conversationId, 2);
    expect(reply.deliveryStatus).toBe('FAILED');
  });
});

describe('socket events per connection', () => {
  it('past the limit an event is not handled and its ack says rate_limited; the connection stays up and keeps its rooms', async () => {
    const { api, token, chatbotId } = await customer('socket');
    const first = await send(api, chatbotId, 'u1', 'hello');
    const { conversation, message } = first.body.data;
    const socket = await connectSocket(scenario.app.url, token);
    try {
      const extra = 3;
      const acks = await Promise.all(
        Array.from({ length: SOCKET_LIMIT + extra }, () =>
          socket.emitWithAck('subscribe', { conversationId: conversation.id }),
        ),
      );
      expect(acks.filter((a) => a.ok)).toEqual(
        repeat(SOCKET_LIMIT, 0).map(() => ({ ok: true, data: { conversationId: conversation.id } })),
      );
      const limited = acks.filter((a) => !a.ok);
      expect(limited).toHaveLength(extra);
      for (const ack of limited) {
        expect(ack).toEqual({
          ok: false,
          error: {
            code: 'rate_limited',
            message: expect.stringMatching(/^Too many events for this connection: at most 5 a minute\./),
            retryAfter: expect.any(Number),
          },
        });
        expect(ack.error.retryAfter).toBeGreaterThanOrEqual(1);
      }

      // Not handled: a read confirmation over the limit leaves the message as it was.
      const read = await socket.emitWithAck('message:read', { messageId: message.id });
      expect(read.error.code).toBe('rate_limited');
      expect((await api('GET', `/messages/${message.id}`)).body.data.deliveryStatus).toBe('SENT');

      // Still connected and subscribed: what the server sends is not limited.
      expect(socket.socket.connected).toBe(true);
      const next = await send(api, chatbotId, 'u1', 'are you there?');
      await socket.waitFor((e) => e.event === 'message' && e.payload.id === next.body.data.message.id);

      // The limit is the connection's: another one of the same customer has its own.
      const other = await connectSocket(scenario.app.url, token);
      try {
        expect(await other.emitWithAck('message:read', { messageId: message.id })).toEqual({
          ok: true,
          data: { messageId: message.id, status: 'READ' },
        });
      } finally {
        other.close();
      }
    } finally {
      socket.close();
    }
  });
});

describe('when Redis is down', () => {
  it('counts in the process instead: sends go on, and the limits still hold in this process', async () => {
    // A real client that never connected (nothing listens there): every count falls back to memory.
    const redis = createClient({ url: 'redis://127.0.0.1:1' });
    const limits = createRateLimits({
      redis,
      keyPrefix: `chatflow-test:limits:${crypto.randomUUID()}`,
      defaults: { ...NO_LIMITS, userSendsPerMinute: 2 },
      logger: createLogger('silent'),
    });
    const scope = { customerId: 'c', chatbot: { id: 'b', limits: null }, endUser: 'u' };
    const results = await Promise.allSettled([1, 2, 3].map(() => limits.consumeSend(scope)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(TooManyRequests);
    // 0 turns a limit off: the socket's.
    for (let i = 0; i < 10; i++) await limits.consumeSocketEvent('s');
  });

  it('a Redis that connects but never answers costs one timeout, then counts stay in memory a while without asking it', async () => {
    // A Redis that accepts connections and swallows every command.
    const received: string[] = [];
    const blackHole = createNetServer((socket) =>
      socket.on('data', (chunk) => received.push(chunk.toString('latin1'))),
    );
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const redis = createClient({
      url: `redis://127.0.0.1:${(blackHole.address() as { port: number }).port}`,
      disableClientInfo: true,
    });
    await redis.connect();
    try {
      const limits = createRateLimits({
        redis,
        keyPrefix: `chatflow-test:limits:${crypto.randomUUID()}`,
        defaults: { ...NO_LIMITS, userSendsPerMinute: 3 },
        logger: createLogger('silent'),
      });
      const scope = { customerId: 'c', chatbot: { id: 'b', limits: null }, endUser: 'u' };
      const results: string[] = [];
      for (let i = 0; i < 5; i++)
        results.push(
          await limits.consumeSend(scope).then(
            () => 'ok',
            (err) => err.constructor.name,
          ),
        );
      expect(results).toEqual(['ok', 'ok', 'ok', 'TooManyRequests', 'TooManyRequests']);
      // Only the first count went to Redis (and timed out); the other four never asked it.
      const commands = received.join('').match(/^\*\d+\r\n\$\d+\r\n(\w+)/gm) ?? [];
      expect(commands).toHaveLength(1);
    } finally {
      redis.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });
});
