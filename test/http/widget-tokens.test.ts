import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { testEnv } from '../support/env.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  settledHistory,
  startScenario,
  tokenFor,
  type Api,
  type Scenario,
} from '../support/harness.js';

const PROBLEM = 'application/problem+json';
let scenario: Scenario;
let customerId: string;
let otherBotId: string;
let alice: Api;
let aliceToken: string;
let aliceConversationId: string;
let bobConversationId: string;
let bobMessageId: string;

const mint = (body: Record<string, unknown>, api: Api = scenario.api) => api('POST', '/widget-tokens', { body });
const conversationsOf = async (api: Api) =>
  ((await api('GET', '/conversations?limit=100')).body.data as any[]).map((c) => c.id).sort();

beforeAll(async () => {
  scenario = await startScenario('widget');
  customerId = (jwt.decode(scenario.token) as { sub: string }).sub;
  otherBotId = (await createChatbot(scenario.api, { name: 'other bot' })).id;
  const bob = await scenario.api('POST', '/messages/send', {
    body: { chatbotId: scenario.chatbotId, externalUserId: 'bob', content: 'bob here', channel: 'WIDGET' },
  });
  bobConversationId = bob.body.data.conversation.id;
  bobMessageId = bob.body.data.message.id;
  await settledHistory(scenario.api, bobConversationId, 2);
});
afterAll(async () => {
  await scenario?.stop();
});

describe('POST /widget-tokens', () => {
  it('mints a short-lived token scoped to one chatbot and end user', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await mint({ chatbotId: scenario.chatbotId, externalUserId: 'alice' });
    const after = Math.ceil(Date.now() / 1000);
    expect(res.status).toBe(201);
    aliceToken = res.body.data.token;
    const claims = jwt.verify(aliceToken, testEnv().jwtSecret) as Record<string, unknown>;
    expect(claims).toEqual({
      sub: customerId,
      scope: 'widget',
      chatbotId: scenario.chatbotId,
      externalUserId: 'alice',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(claims.exp as number).toBeGreaterThanOrEqual(before + 900);
    expect(claims.exp as number).toBeLessThanOrEqual(after + 900);
    expect(res.body.data.expiresAt).toBe(new Date((claims.exp as number) * 1000).toISOString());
    alice = apiClient(scenario.app.url, aliceToken);
  });

  it('honours ttlSeconds and refuses bad input or a chatbot that is not the caller’s', async () => {
    const short = await mint({ chatbotId: scenario.chatbotId, externalUserId: 'alice', ttlSeconds: 120 });
    const claims = jwt.decode(short.body.data.token) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(120);
    for (const body of [
      { chatbotId: scenario.chatbotId },
      { chatbotId: scenario.chatbotId, externalUserId: 'a', ttlSeconds: 10 },
      { chatbotId: 'nope', externalUserId: 'a' },
    ]) {
      const res = await mint(body);
      expect({ status: res.status, contentType: res.contentType }).toEqual({
        status: 400,
        contentType: expect.stringContaining(PROBLEM),
      });
    }
    const stranger = apiClient(scenario.app.url, tokenFor(`stranger-${crypto.randomUUID()}`));
    for (const res of [
      await mint({ chatbotId: scenario.chatbotId, externalUserId: 'a' }, stranger),
      await mint({ chatbotId: crypto.randomUUID(), externalUserId: 'a' }),
    ]) {
      expect(res.status).toBe(404);
    }
  });
});

describe('what a widget token can do', () => {
  it('sends as its end user, with chatbot, user and channel taken from the token, and reads the reply', async () => {
    const res = await alice('POST', '/messages/send', { body: { content: 'hi from the widget' } });
    expect(res.status).toBe(202);
    expect(res.body.data.conversation).toMatchObject({
      chatbotId: scenario.chatbotId,
      externalUserId: 'alice',
      channel: 'WIDGET',
    });
    aliceConversationId = res.body.data.conversation.id;
    const history = await settledHistory(alice, aliceConversationId, 2);
    expect(history.map((m) => [m.role, m.content])).toEqual([
      ['USER', 'hi from the widget'],
      ['ASSISTANT', 'Echo: hi from the widget'],
    ]);
    expect((await alice('GET', `/messages/${history[1].id}`)).body.data).toEqual(history[1]);
    const listed = await alice('GET', '/conversations');
    expect(listed.body.data.map((c: any) => c.id)).toEqual([aliceConversationId]);
    const one = await alice('GET', `/conversations/${aliceConversationId}`);
    expect(one.status).toBe(200);
    // The Temporal UI is for ops: an end user's browser gets the shape without its addresses, while
    // the customer sees them.
    expect([
      res.body.data.message.links,
      res.body.data.conversation.links,
      history.map((m) => m.links),
      listed.body.data[0].links,
      one.body.data.links,
    ]).toEqual([{ flow: null }, { flows: null }, [{ flow: null }, { flow: null }], { flows: null }, { flows: null }]);
    const asCustomer = (await scenario.api('GET', `/messages/conversation/${aliceConversationId}`)).body.data;
    expect(asCustomer.map((m: any) => m.links.flow)).toEqual([
      expect.stringContaining(`/workflows/message-${history[0].id}`),
      expect.stringContaining(`/workflows/message-${history[0].id}`),
    ]);
  });

  it('cannot send as another end user or to another chatbot, or into another user’s conversation: 404, nothing stored', async () => {
    const before = await conversationsOf(scenario.api);
    for (const body of [
      { content: 'x', externalUserId: 'bob' },
      { content: 'x', chatbotId: otherBotId },
      { content: 'x', conversationId: bobConversationId },
    ]) {
      const res = await alice('POST', '/messages/send', { body });
      expect({ body, status: res.status, contentType: res.contentType }).toEqual({
        body,
        status: 404,
        contentType: expect.stringContaining(PROBLEM),
      });
    }
    expect(await conversationsOf(scenario.api)).toEqual(before);
    expect((await settledHistory(scenario.api, bobConversationId)).length).toBe(2);
  });

  it('sends only on the WIDGET channel: any other channel is a 404 and nothing is stored', async () => {
    const before = await conversationsOf(scenario.api);
    for (const channel of ['WEBHOOK', 'WHATSAPP']) {
      const res = await alice('POST', '/messages/send', { body: { content: 'x', channel } });
      expect({ channel, status: res.status, detail: res.body.detail }).toEqual({
        channel,
        status: 404,
        detail: 'Channel not found',
      });
    }
    expect(await conversationsOf(scenario.api)).toEqual(before);
  });

  it('does not see its own end user’s conversations on other channels', async () => {
    const sent = await scenario.api('POST', '/messages/send', {
      body: { chatbotId: scenario.chatbotId, externalUserId: 'alice', content: 'by webhook', channel: 'WEBHOOK' },
    });
    expect(sent.status).toBe(202);
    const webhookConversation = sent.body.data.conversation.id;
    for (const path of [
      `/conversations/${webhookConversation}`,
      `/messages/conversation/${webhookConversation}`,
      `/messages/${sent.body.data.message.id}`,
      '/conversations?channel=WEBHOOK',
    ]) {
      const res = await alice('GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const send = await alice('POST', '/messages/send', { body: { content: 'x', conversationId: webhookConversation } });
    expect(send.status).toBe(404);
    expect((await alice('GET', '/conversations')).body.data.map((c: any) => c.id)).toEqual([aliceConversationId]);
    const byChannel = await scenario.api('GET', `/conversations?channel=WEBHOOK&chatbotId=${scenario.chatbotId}`);
    expect(byChannel.body.data.map((c: any) => c.id)).toEqual([webhookConversation]);
    // The customer's own send went its way: no webhook is configured, so its reply failed with a reason.
    const settled = await settledHistory(scenario.api, webhookConversation);
    expect(settled.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'by webhook', 'SENT'],
      ['ASSISTANT', 'Echo: by webhook', 'FAILED'],
    ]);
  });

  it('cannot read another end user’s conversation or message: 404', async () => {
    for (const path of [
      `/messages/conversation/${bobConversationId}`,
      `/messages/conversation/${bobConversationId}?after=0`,
      `/messages/${bobMessageId}`,
      `/conversations/${bobConversationId}`,
      '/conversations?externalUserId=bob',
      `/conversations?chatbotId=${otherBotId}`,
    ]) {
      const res = await alice('GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('gets 403 on every customer endpoint, and changes nothing', async () => {
    const bots = (await scenario.api('GET', '/chatbots')).body.meta.total;
    for (const [method, path, body] of [
      ['GET', '/chatbots', undefined],
      ['POST', '/chatbots', { name: 'sneaky' }],
      ['GET', `/chatbots/${scenario.chatbotId}`, undefined],
      ['PATCH', `/chatbots/${scenario.chatbotId}`, { name: 'renamed' }],
      ['POST', '/widget-tokens', { chatbotId: scenario.chatbotId, externalUserId: 'bob' }],
      ['POST', `/conversations/${aliceConversationId}/handoff`, {}],
      ['POST', `/conversations/${aliceConversationId}/close`, {}],
      ['POST', `/conversations/${aliceConversationId}/messages`, { content: 'I am an agent' }],
    ] as const) {
      const res = await alice(method, path, { body });
      expect({ method, path, status: res.status, contentType: res.contentType, title: res.body.title }).toEqual({
        method,
        path,
        status: 403,
        contentType: expect.stringContaining(PROBLEM),
        title: 'Forbidden',
      });
    }
    expect((await scenario.api('GET', '/chatbots')).body.meta.total).toBe(bots);
    expect((await scenario.api('GET', `/chatbots/${scenario.chatbotId}`)).body.data.name).not.toBe('renamed');
    expect((await scenario.api('GET', `/conversations/${aliceConversationId}`)).body.data.status).toBe('OPEN');
    expect((await settledHistory(scenario.api, aliceConversationId)).length).toBe(2);
  });

  it('over Socket.IO: subscribes to its own conversation only, never to a chatbot, and confirms only its messages', async () => {
    const socket = await connectSocket(scenario.app.url, aliceToken);
    try {
      expect(await socket.emitWithAck('subscribe', { conversationId: aliceConversationId })).toEqual({
        ok: true,
        data: { conversationId: aliceConversationId },
      });
      expect(await socket.emitWithAck('subscribe', { conversationId: bobConversationId })).toEqual({
        ok: false,
        error: { code: 'not_found', message: 'Conversation not found' },
      });
      expect(await socket.emitWithAck('subscribe', { chatbotId: scenario.chatbotId })).toEqual({
        ok: false,
        error: { code: 'forbidden', message: expect.any(String) },
      });
      expect(await socket.emitWithAck('message:read', { messageId: bobMessageId })).toEqual({
        ok: false,
        error: { code: 'not_found', message: 'Message not found' },
      });
      const [, reply] = await settledHistory(alice, aliceConversationId, 2);
      expect(await socket.emitWithAck('message:read', { messageId: reply.id })).toEqual({
        ok: true,
        data: { messageId: reply.id, status: 'READ' },
      });
      expect((await scenario.api('GET', `/messages/${bobMessageId}`)).body.data.deliveryStatus).toBe('SENT');
    } finally {
      socket.close();
    }
  });
});

describe('tokens that are not valid widget tokens', () => {
  const sign = (claims: Record<string, unknown>) =>
    jwt.sign({ sub: customerId, ...claims }, testEnv().jwtSecret, { algorithm: 'HS256' });

  it('an expired widget token is a 401, over HTTP and at the socket handshake', async () => {
    const expired = sign({
      scope: 'widget',
      chatbotId: scenario.chatbotId,
      externalUserId: 'alice',
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    const res = await apiClient(scenario.app.url, expired)('GET', `/conversations/${aliceConversationId}`);
    expect({ status: res.status, contentType: res.contentType }).toEqual({
      status: 401,
      contentType: expect.stringContaining(PROBLEM),
    });
    await expect(connectSocket(scenario.app.url, expired)).rejects.toThrow('unauthorized');
  });

  it('a widget scope without its chatbot or end user, or an unknown scope, is a 401', async () => {
    for (const claims of [
      { scope: 'widget', externalUserId: 'alice' },
      { scope: 'widget', chatbotId: scenario.chatbotId },
      { scope: 'admin' },
    ]) {
      const res = await apiClient(scenario.app.url, sign(claims))('GET', '/conversations');
      expect({ claims, status: res.status }).toEqual({ claims, status: 401 });
    }
  });
});
