import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import {
  apiClient,
  connectSocket,
  messageFlow,
  settledHistory,
  startScenario,
  tokenFor,
  uiLinks,
  waitFor,
  type Scenario,
  type TestSocket,
  onSocket,
} from '../support/harness.js';

let scenario: Scenario;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  scenario = await startScenario('handoff');
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await scenario?.stop();
});

const PROBLEM = 'application/problem+json';
const HANDED_OFF = { status: 'SKIPPED', reason: 'conversation is handed off to a human' };
const rows = (history: any[]) => history.map((m) => [m.seq, m.role, m.content, m.deliveryStatus]);

/** An end user's message; 202 expected. */
async function send(externalUserId: string, content: string, conversationId?: string, channel = 'WIDGET') {
  const res = await scenario.api('POST', '/messages/send', {
    body: { chatbotId: scenario.chatbotId, externalUserId, content, channel, conversationId },
  });
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 202 });
  return res.body.data as { message: any; conversation: any };
}

/** A conversation where the user said "hello" and the bot answered; seq 1 and 2. */
async function opened(externalUserId: string, channel = 'WIDGET') {
  const first = await send(externalUserId, 'hello', undefined, channel);
  const history = await settledHistory(scenario.api, first.conversation.id, 2);
  return { conversationId: first.conversation.id as string, externalUserId, hello: history[0] };
}

const history = async (conversationId: string) =>
  (await scenario.api('GET', `/messages/conversation/${conversationId}?limit=100`)).body.data as any[];
const act = (conversationId: string, action: string, body?: unknown) =>
  scenario.api('POST', `/conversations/${conversationId}/${action}`, { body });
const postAgent = (conversationId: string, body: unknown) =>
  scenario.api('POST', `/conversations/${conversationId}/messages`, { body });

/** A socket of the scenario's customer subscribed to `target`, closed after the test. */
async function subscribed(target: { conversationId: string } | { chatbotId: string }) {
  const socket = await connectSocket(scenario.app.url, scenario.token);
  sockets.push(socket);
  expect(await socket.emitWithAck('subscribe', target)).toEqual({ ok: true, data: target });
  return socket;
}

/** What the socket saw, in order, without `ready`, and without `message:delta` unless asked (its batching varies). */
const seen = (socket: TestSocket, options: { deltas?: boolean } = {}) =>
  socket.events
    .filter((e) => e.event !== 'ready' && (options.deltas || e.event !== 'message:delta'))
    .map((e) => [e.event, e.payload]);

/**
 * A sentinel: marks the message READ and waits for that status in the room. Events reach a socket
 * in the order they were emitted, so once it has this one it has everything emitted before.
 */
async function sentinel(socket: TestSocket, conversationId: string, messageId: string) {
  expect(await socket.emitWithAck('message:read', { messageId })).toEqual({
    ok: true,
    data: { messageId, status: 'READ' },
  });
  const event = ['message:status', { messageId, conversationId, status: 'READ' }];
  await socket.waitFor(
    (e) => e.event === 'message:status' && e.payload.messageId === messageId && e.payload.status === 'READ',
  );
  return event;
}

const statusEvent = (conversationId: string, status: string, reason: string) => [
  'conversation:status',
  { conversationId, chatbotId: scenario.chatbotId, status, reason },
];

/** Whether a message's flow ever waited for its turn (a turn wait is the flow's only timer). */
async function waitedForTurn(messageId: string) {
  const { events } = await (await messageFlow(scenario.app, messageId)).fetchHistory();
  return (events ?? []).some((e) => e.timerStartedEventAttributes);
}

describe('a conversation an agent takes over', () => {
  it('hands off by API, tells the room and the chatbot’s room once, and gives user messages no bot reply', async () => {
    const { api, app, llm } = scenario;
    const { conversationId, externalUserId, hello } = await opened(`handoff-${crypto.randomUUID()}`);
    const other = await opened(`handoff-other-${crypto.randomUUID()}`);
    const room = await subscribed({ conversationId });
    const dashboard = await subscribed({ chatbotId: scenario.chatbotId });

    const handedOff = await act(conversationId, 'handoff');
    expect(handedOff.status).toBe(200);
    const conversation = (await api('GET', `/conversations/${conversationId}`)).body.data;
    expect(handedOff.body).toEqual({ data: conversation });
    expect(conversation).toMatchObject({
      id: conversationId,
      chatbotId: scenario.chatbotId,
      externalUserId,
      channel: 'WIDGET',
      status: 'HANDOFF',
    });
    // Repeating it, with or without a reason, changes nothing and says nothing.
    for (const body of [undefined, { reason: 'again' }])
      expect(await act(conversationId, 'handoff', body)).toMatchObject({ status: 200, body: { data: conversation } });

    llm.reset();
    const userMessages = [];
    for (const content of ['is a human there?', 'hello human']) {
      const sent = await send(externalUserId, content, conversationId);
      expect(sent.conversation).toMatchObject({ id: conversationId, status: 'HANDOFF' });
      expect(await (await messageFlow(app, sent.message.id)).result()).toEqual(HANDED_OFF);
      userMessages.push(sent.message);
    }
    expect(llm.requests).toHaveLength(0);

    const last = await sentinel(room, conversationId, hello.id);
    expect(seen(room, { deltas: true })).toEqual([
      statusEvent(conversationId, 'HANDOFF', 'an agent took over'),
      ['message', onSocket(userMessages[0])],
      ['message', onSocket(userMessages[1])],
      last,
    ]);
    expect(rows(await history(conversationId))).toEqual([
      [1, 'USER', 'hello', 'READ'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
      [3, 'USER', 'is a human there?', 'SENT'],
      [4, 'USER', 'hello human', 'SENT'],
    ]);

    // Another conversation of the bot, with a reason: the dashboard's sentinel, after all of the above.
    expect(await act(other.conversationId, 'handoff', { reason: 'the customer asked for a person' })).toMatchObject({
      status: 200,
      body: { data: { status: 'HANDOFF' } },
    });
    await dashboard.waitFor(
      (e) => e.event === 'conversation:status' && e.payload.conversationId === other.conversationId,
    );
    expect(seen(dashboard, { deltas: true })).toEqual([
      statusEvent(conversationId, 'HANDOFF', 'an agent took over'),
      statusEvent(other.conversationId, 'HANDOFF', 'the customer asked for a person'),
    ]);
  });

  it('delivers an agent’s message: 202 PENDING with the next seq, then SENT in the room and the history', async () => {
    const { app, llm } = scenario;
    const { conversationId, hello } = await opened(`agent-${crypto.randomUUID()}`);
    expect((await act(conversationId, 'handoff')).status).toBe(200);
    const room = await subscribed({ conversationId });
    llm.reset();

    const res = await postAgent(conversationId, { content: 'Hi, Sam from support here.', metadata: { agent: 'sam' } });
    expect(res.status).toBe(202);
    const message = res.body.data.message;
    expect(res.body).toEqual({ message: 'Message accepted for delivery', data: { message } });
    expect(message).toMatchObject({
      conversationId,
      seq: 3,
      role: 'AGENT',
      content: 'Hi, Sam from support here.',
      deliveryStatus: 'PENDING',
      metadata: { agent: 'sam' },
    });
    expect(message.links).toEqual({ flow: uiLinks.flow(message.id) }); // an agent's message has a flow of its own
    expect(await (await messageFlow(app, message.id)).result()).toEqual({ status: 'DELIVERED', messageId: message.id });

    const stored = await history(conversationId);
    expect(rows(stored)).toEqual([
      [1, 'USER', 'hello', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
      [3, 'AGENT', 'Hi, Sam from support here.', 'SENT'],
    ]);
    expect(stored[2]).toMatchObject({ id: message.id, metadata: { agent: 'sam' } });
    const last = await sentinel(room, conversationId, hello.id);
    expect(seen(room, { deltas: true })).toEqual([
      ['message', onSocket(message)],
      ['message:status', { messageId: message.id, conversationId, status: 'SENT' }],
      last,
    ]);
    expect(llm.requests).toHaveLength(0);
  });

  it('keeps an agent’s message posted while the bot is generating behind the bot’s reply to the earlier user message', async () => {
    const { app, llm } = scenario;
    const { conversationId, externalUserId, hello } = await opened(`interleaved-${crypto.randomUUID()}`);
    const room = await subscribed({ conversationId });
    llm.reset();
    let release!: () => void;
    llm.script({ kind: 'reply', after: new Promise<void>((resolve) => (release = resolve)) });

    const question = (await send(externalUserId, 'what are your hours?', conversationId)).message;
    await llm.waitForRequests(1);
    const posted = await postAgent(conversationId, { content: 'A human here: nine to five.' });
    expect(posted.status).toBe(202);
    const agent = posted.body.data.message;
    expect(agent).toMatchObject({ seq: 4, role: 'AGENT', deliveryStatus: 'PENDING' });
    // Positive signal: its flow waits for its turn. Meanwhile it is not delivered.
    await waitFor(() => waitedForTurn(agent.id), 15_000, 'the agent message’s flow to wait for its turn');
    expect(rows(await history(conversationId)).slice(2)).toEqual([
      [3, 'USER', 'what are your hours?', 'SENT'],
      [4, 'AGENT', 'A human here: nine to five.', 'PENDING'],
    ]);
    release();

    const answered = await (await messageFlow(app, question.id)).result();
    expect(await (await messageFlow(app, agent.id)).result()).toEqual({ status: 'DELIVERED', messageId: agent.id });
    const stored = await settledHistory(scenario.api, conversationId, 5);
    const reply = stored[4];
    expect(answered).toEqual({ status: 'REPLIED', replyId: reply.id, route: { myTurn: true, responder: 'LLM' } });
    expect(rows(stored)).toEqual([
      [1, 'USER', 'hello', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
      [3, 'USER', 'what are your hours?', 'SENT'],
      [4, 'AGENT', 'A human here: nine to five.', 'SENT'],
      [5, 'ASSISTANT', 'Echo: what are your hours?', 'SENT'],
    ]);
    // The reply's prompt was built before the agent spoke.
    expect(llm.requests.map((r) => r.messages)).toEqual([
      [
        { role: 'system', content: 'You are a helpful bot.' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Echo: hello' },
        { role: 'user', content: 'what are your hours?' },
      ],
    ]);

    const last = await sentinel(room, conversationId, hello.id);
    const events = seen(room);
    const replyAt = events.findIndex(([event, payload]) => event === 'message' && payload.id === reply.id);
    expect(events.slice(0, replyAt + 1)).toEqual([
      ['message', onSocket(question)],
      ['typing', { conversationId, isTyping: true }],
      ['message', onSocket(agent)],
      ['typing', { conversationId, isTyping: false }],
      ['message', onSocket({ ...reply, deliveryStatus: 'PENDING', updatedAt: reply.createdAt })],
    ]);
    // The agent's SENT only after the reply to the earlier message was saved; the two SENTs race.
    const sent = (messageId: string) => ['message:status', { messageId, conversationId, status: 'SENT' }];
    expect(events.slice(replyAt + 1, -1)).toHaveLength(2);
    expect(events.slice(replyAt + 1, -1)).toEqual(expect.arrayContaining([sent(agent.id), sent(reply.id)]));
    expect(events.at(-1)).toEqual(last);
    expect(events.filter(([event]) => event === 'message').map(([, m]) => m.seq)).toEqual([3, 4, 5]);
    const deltas = seen(room, { deltas: true }).filter(([event]) => event === 'message:delta');
    expect(deltas.map(([, d]) => d.delta).join('')).toBe('Echo: what are your hours?');
  });

  it('keeps an agent’s later message out of the prompt of a user message before it', async () => {
    const { app, llm } = scenario;
    const { conversationId, externalUserId } = await opened(`later-agent-${crypto.randomUUID()}`);
    llm.reset();
    let release!: () => void;
    llm.script({ kind: 'reply', after: new Promise<void>((resolve) => (release = resolve)) });
    await send(externalUserId, 'first', conversationId);
    await llm.waitForRequests(1);
    const second = (await send(externalUserId, 'second', conversationId)).message;
    const agent = (await postAgent(conversationId, { content: 'An agent, later.' })).body.data.message;
    await waitFor(() => waitedForTurn(agent.id), 15_000, 'the agent message’s flow to wait for its turn');
    release();
    await (await messageFlow(app, second.id)).result();
    expect(await (await messageFlow(app, agent.id)).result()).toEqual({ status: 'DELIVERED', messageId: agent.id });
    expect(rows(await settledHistory(scenario.api, conversationId, 7))).toEqual([
      [1, 'USER', 'hello', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
      [3, 'USER', 'first', 'SENT'],
      [4, 'USER', 'second', 'SENT'],
      [5, 'AGENT', 'An agent, later.', 'SENT'],
      [6, 'ASSISTANT', 'Echo: first', 'SENT'],
      [7, 'ASSISTANT', 'Echo: second', 'SENT'],
    ]);
    // The answer to "second" sees the reply to "first" (saved later, seq 6), never the agent's
    // message that comes after it in the conversation's turn order.
    expect(llm.requests[1].messages).toEqual([
      { role: 'system', content: 'You are a helpful bot.' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'Echo: hello' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'Echo: first' },
      { role: 'user', content: 'second' },
    ]);
  });

  it('resumes: the bot answers the next message, with the agent’s message in its prompt on the assistant side', async () => {
    const { api, app, llm } = scenario;
    const { conversationId, externalUserId, hello } = await opened(`resume-${crypto.randomUUID()}`);
    expect((await act(conversationId, 'handoff')).status).toBe(200);
    const agent = (await postAgent(conversationId, { content: 'Sam: your refund is on its way.' })).body.data.message;
    expect(await (await messageFlow(app, agent.id)).result()).toEqual({ status: 'DELIVERED', messageId: agent.id });
    const room = await subscribed({ conversationId });

    const resumed = await act(conversationId, 'resume', { reason: 'Sam is done' });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toEqual({ data: (await api('GET', `/conversations/${conversationId}`)).body.data });
    expect(resumed.body.data).toMatchObject({ id: conversationId, status: 'OPEN' });
    expect(await act(conversationId, 'resume')).toMatchObject({ status: 200, body: resumed.body });

    llm.reset();
    const thanks = await send(externalUserId, 'thanks!', conversationId);
    expect(thanks.conversation).toMatchObject({ id: conversationId, status: 'OPEN' });
    const result = await (await messageFlow(app, thanks.message.id)).result();
    const stored = await settledHistory(api, conversationId, 5);
    const reply = stored[4];
    expect(result).toEqual({ status: 'REPLIED', replyId: reply.id, route: { myTurn: true, responder: 'LLM' } });
    expect(rows(stored)).toEqual([
      [1, 'USER', 'hello', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
      [3, 'AGENT', 'Sam: your refund is on its way.', 'SENT'],
      [4, 'USER', 'thanks!', 'SENT'],
      [5, 'ASSISTANT', 'Echo: thanks!', 'SENT'],
    ]);
    expect(llm.requests.map((r) => r.messages)).toEqual([
      [
        { role: 'system', content: 'You are a helpful bot.' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Echo: hello' },
        { role: 'assistant', content: 'Sam: your refund is on its way.' },
        { role: 'user', content: 'thanks!' },
      ],
    ]);
    const last = await sentinel(room, conversationId, hello.id);
    expect(seen(room)).toEqual([
      statusEvent(conversationId, 'OPEN', 'Sam is done'),
      ['message', onSocket(thanks.message)],
      ['typing', { conversationId, isTyping: true }],
      ['typing', { conversationId, isTyping: false }],
      ['message', onSocket({ ...reply, deliveryStatus: 'PENDING', updatedAt: reply.createdAt })],
      ['message:status', { messageId: reply.id, conversationId, status: 'SENT' }],
      last,
    ]);
  });

  it('closes for good: sends, agent messages, resume and handoff are 409 and store nothing; the next send opens a new conversation', async () => {
    const { api, chatbotId } = scenario;
    const { conversationId, externalUserId, hello } = await opened(`close-${crypto.randomUUID()}`);
    const room = await subscribed({ conversationId });

    const closed = await act(conversationId, 'close');
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({ data: (await api('GET', `/conversations/${conversationId}`)).body.data });
    expect(closed.body.data).toMatchObject({ id: conversationId, status: 'CLOSED' });
    expect(await act(conversationId, 'close', { reason: 'again' })).toMatchObject({ status: 200, body: closed.body });
    const before = await history(conversationId);

    const conflict = (detail: string) => ({
      status: 409,
      contentType: expect.stringContaining(PROBLEM),
      body: { type: 'about:blank', title: 'Conflict', status: 409, detail },
    });
    const refused = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId, content: 'one more thing', channel: 'WIDGET', conversationId },
    });
    expect(refused).toMatchObject(conflict('The conversation is closed'));
    expect(await postAgent(conversationId, { content: 'Anything else?' })).toMatchObject(
      conflict('The conversation is closed'),
    );
    expect(await act(conversationId, 'resume')).toMatchObject(conflict('A closed conversation cannot be resumed'));
    expect(await act(conversationId, 'handoff')).toMatchObject(conflict('A closed conversation cannot be handed off'));
    expect(await history(conversationId)).toEqual(before);
    expect((await api('GET', `/conversations/${conversationId}`)).body).toEqual(closed.body);

    const fresh = await send(externalUserId, 'one more thing');
    expect(fresh.conversation).toMatchObject({ externalUserId, status: 'OPEN' });
    expect(fresh.conversation.id).not.toBe(conversationId);
    expect(fresh.message).toMatchObject({ conversationId: fresh.conversation.id, seq: 1 });
    expect(rows(await settledHistory(api, fresh.conversation.id, 2))).toEqual([
      [1, 'USER', 'one more thing', 'SENT'],
      [2, 'ASSISTANT', 'Echo: one more thing', 'SENT'],
    ]);

    const last = await sentinel(room, conversationId, hello.id);
    expect(seen(room, { deltas: true })).toEqual([statusEvent(conversationId, 'CLOSED', 'closed'), last]);
  });

  it('answers 404 to another customer and 400 to bad input, and stores nothing for either', async () => {
    const { api, app } = scenario;
    const { conversationId, hello } = await opened(`tenancy-${crypto.randomUUID()}`);
    const room = await subscribed({ conversationId });
    const conversation = (await api('GET', `/conversations/${conversationId}`)).body.data;
    const before = await history(conversationId);

    const mallory = tokenFor(`mallory-${crypto.randomUUID()}`);
    const asMallory = apiClient(app.url, mallory);
    const calls: [string, unknown][] = [
      ['messages', { content: 'I am an agent too' }],
      ['handoff', undefined],
      ['handoff', { reason: 'mine now' }],
      ['resume', undefined],
      ['close', undefined],
    ];
    for (const [path, body] of calls) {
      const res = await asMallory('POST', `/conversations/${conversationId}/${path}`, { body });
      expect({ path, status: res.status, contentType: res.contentType, body: res.body }).toEqual({
        path,
        status: 404,
        contentType: expect.stringContaining(PROBLEM),
        body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Conversation not found' },
      });
    }
    const socket = await connectSocket(app.url, mallory);
    sockets.push(socket);
    expect(await socket.emitWithAck('subscribe', { chatbotId: scenario.chatbotId })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Chatbot not found' },
    });
    expect(await socket.emitWithAck('subscribe', { conversationId })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Conversation not found' },
    });

    const invalid = async (path: string, body: unknown, errorPaths: string[]) => {
      const res = await api('POST', path, { body });
      expect({
        path,
        body,
        status: res.status,
        contentType: res.contentType,
        errorPaths: [...new Set(res.body.errors?.map((e: any) => e.path))],
      }).toEqual({
        path,
        body,
        status: 400,
        contentType: expect.stringContaining(PROBLEM),
        errorPaths,
      });
    };
    for (const action of ['messages', 'handoff', 'resume', 'close'])
      await invalid(`/conversations/not-a-uuid/${action}`, { content: 'hi' }, ['id']);
    for (const content of ['', '   \n\t'])
      await invalid(`/conversations/${conversationId}/messages`, { content }, ['content']);
    await invalid(`/conversations/${conversationId}/messages`, {}, ['content']);
    await invalid(`/conversations/${conversationId}/messages`, { content: 'hi', role: 'USER' }, ['']);
    for (const reason of ['', '  ', 'x'.repeat(501)])
      await invalid(`/conversations/${conversationId}/handoff`, { reason }, ['reason']);
    await invalid(`/conversations/${conversationId}/close`, { reason: 'done', status: 'OPEN' }, ['']);

    expect(await history(conversationId)).toEqual(before);
    expect((await api('GET', `/conversations/${conversationId}`)).body.data).toEqual(conversation);
    const last = await sentinel(room, conversationId, hello.id);
    expect(seen(room, { deltas: true })).toEqual([last]);
  });

  it('fails an agent’s message on a channel without delivery (ChannelNotConfigured) and lets the next message go', async () => {
    const { api, app, llm } = scenario;
    const externalUserId = `whatsapp-${crypto.randomUUID()}`;
    const first = await send(externalUserId, 'hello', undefined, 'WHATSAPP');
    const conversationId = first.conversation.id;
    await expect((await messageFlow(app, first.message.id)).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const room = await subscribed({ conversationId });
    llm.reset();

    const posted = await postAgent(conversationId, { content: 'Sam here, on WhatsApp.', metadata: { ticket: 7 } });
    expect(posted.status).toBe(202);
    const agent = posted.body.data.message;
    expect(agent).toMatchObject({ seq: 3, role: 'AGENT', deliveryStatus: 'PENDING' });
    const failure = await (await messageFlow(app, agent.id)).result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'ReplyFailed',
      message: expect.stringContaining('ChannelNotConfigured'),
    });

    const next = await send(externalUserId, 'anyone?', conversationId, 'WHATSAPP');
    await expect((await messageFlow(app, next.message.id)).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await waitedForTurn(next.message.id)).toBe(false);
    const stored = await settledHistory(api, conversationId, 5);
    expect(rows(stored)).toEqual([
      [1, 'USER', 'hello', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hello', 'FAILED'],
      [3, 'AGENT', 'Sam here, on WhatsApp.', 'FAILED'],
      [4, 'USER', 'anyone?', 'SENT'],
      [5, 'ASSISTANT', 'Echo: anyone?', 'FAILED'],
    ]);
    const channelNotConfigured = {
      type: 'ChannelNotConfigured',
      message: 'The reply could not be sent: this conversation’s channel has no delivery set up.',
    };
    expect(stored[2].metadata).toEqual({ ticket: 7, error: channelNotConfigured });
    // FAILED messages stay out of the prompt: the LLM never saw what did not reach the user.
    expect(llm.requests.map((r) => r.messages)).toEqual([
      [
        { role: 'system', content: 'You are a helpful bot.' },
        { role: 'user', content: 'hello' },
        { role: 'user', content: 'anyone?' },
      ],
    ]);

    const reply = stored[4];
    const last = await sentinel(room, conversationId, first.message.id);
    expect(seen(room)).toEqual([
      ['message', onSocket(agent)],
      ['message:status', { messageId: agent.id, conversationId, status: 'FAILED' }],
      ['message', onSocket(next.message)],
      ['typing', { conversationId, isTyping: true }],
      ['typing', { conversationId, isTyping: false }],
      [
        'message',
        onSocket({
          ...reply,
          deliveryStatus: 'PENDING',
          metadata: { model: 'gpt-4o-mini' },
          updatedAt: reply.createdAt,
        }),
      ],
      // No second `typing false`: the stream ended its own typing before the delivery failed.
      ['message:status', { messageId: reply.id, conversationId, status: 'FAILED' }],
      last,
    ]);
  });
});
