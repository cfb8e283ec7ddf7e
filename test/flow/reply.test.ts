import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  messageFlow,
  startTestApp,
  tokenFor,
  settledHistory,
  uiLinks,
  waitFor,
  type Api,
  type TestApp,
} from '../support/harness.js';

let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;

beforeAll(async () => {
  llm = await startFakeLlm();
  app = await startTestApp({ OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'default-model' });
  token = tokenFor(`reply-${crypto.randomUUID()}`);
  api = apiClient(app.url, token);
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
});
beforeEach(() => llm.reset());

async function history(conversationId: string, query = '') {
  const res = await api('GET', `/messages/conversation/${conversationId}${query}`);
  expect(res.status).toBe(200);
  return res.body as { data: any[]; meta: any };
}

describe('a message gets its reply over Socket.IO and in the history', () => {
  it('emits message, typing, deltas, the reply and its status, in that order', async () => {
    const bot = await createChatbot(api, { systemPrompt: 'Be brief.', model: 'bot-model', temperature: 0.3 });
    const first = await api('POST', '/messages/send', {
      body: {
        chatbotId: bot.id,
        externalUserId: 'alice',
        content: 'Hi there',
        channel: 'WIDGET',
        metadata: { page: '/pricing' },
      },
    });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      message: 'Message accepted for processing',
      data: {
        message: { role: 'USER', content: 'Hi there', seq: 1, deliveryStatus: 'SENT', metadata: { page: '/pricing' } },
        conversation: { chatbotId: bot.id, externalUserId: 'alice', channel: 'WIDGET', status: 'OPEN' },
      },
    });
    const conversationId = first.body.data.conversation.id;
    expect(first.body.data.conversation.lastMessageAt).toBe(first.body.data.message.createdAt);
    // Ops links into the Temporal UI: the message's flow, and the list of the conversation's flows.
    expect(first.body.data.message.links).toEqual({ flow: uiLinks.flow(first.body.data.message.id) });
    expect(first.body.data.conversation.links).toEqual({ flows: uiLinks.flows(conversationId) });
    await settledHistory(api, conversationId, 2);

    const socket = await connectSocket(app.url, token);
    try {
      expect(await socket.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true, data: { conversationId } });
      const second = await api('POST', '/messages/send', {
        body: {
          chatbotId: bot.id,
          conversationId,
          externalUserId: 'alice',
          content: 'What can you do?',
          channel: 'WIDGET',
        },
      });
      expect(second.status).toBe(202);
      const status = await socket.waitFor((e) => e.event === 'message:status' && e.payload.status === 'SENT');
      const replyId = status.payload.messageId;

      // Exactly: the user message, typing on, one or more deltas, typing off, the reply, its status.
      const flow = socket.events
        .filter((e) => e.event !== 'ready')
        .map((e) => (e.event === 'typing' ? `typing:${e.payload.isTyping}` : e.event))
        .filter((name, i, all) => name !== 'message:delta' || all[i - 1] !== 'message:delta');
      expect(flow).toEqual(['message', 'typing:true', 'message:delta', 'typing:false', 'message', 'message:status']);
      const [userEvent, ...rest] = socket.events.filter((e) => e.event === 'message');
      expect(userEvent.payload).toMatchObject({ id: second.body.data.message.id, role: 'USER', seq: 3 });
      const replyEvent = rest[0];
      expect(replyEvent.payload).toMatchObject({
        id: replyId,
        role: 'ASSISTANT',
        seq: 4,
        conversationId,
        content: 'Echo: What can you do?',
      });
      // A room holds end users' widgets: socket events carry the shape with the ops addresses left out.
      expect(userEvent.payload.links).toEqual({ flow: null });
      expect(replyEvent.payload.links).toEqual({ flow: null });
      const typing = socket.events.filter((e) => e.event === 'typing').map((e) => e.payload);
      expect(typing).toEqual([
        { conversationId, isTyping: true },
        { conversationId, isTyping: false },
      ]);
      const typingOff = socket.events.findIndex((e) => e.event === 'typing' && !e.payload.isTyping);
      expect(socket.events.findIndex((e) => e === replyEvent)).toBeGreaterThan(typingOff);
      expect(status.payload).toEqual({ messageId: replyId, conversationId, status: 'SENT' });
      const deltas = socket.events.filter((e) => e.event === 'message:delta').map((e) => e.payload);
      expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
      expect(deltas.map((d) => d.delta).join('')).toBe(replyEvent.payload.content);
    } finally {
      socket.close();
    }

    const { data, meta } = await history(conversationId);
    expect(meta).toEqual({ page: 1, limit: 50, total: 4, totalPages: 1 });
    expect(data.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'Hi there', 'SENT'],
      [2, 'ASSISTANT', 'Echo: Hi there', 'SENT'],
      [3, 'USER', 'What can you do?', 'SENT'],
      [4, 'ASSISTANT', 'Echo: What can you do?', 'SENT'],
    ]);
    expect(data[3].metadata).toEqual({ model: 'bot-model' });
    const flowLinks = [data[0].id, data[0].id, data[2].id, data[2].id].map((id) => ({ flow: uiLinks.flow(id) }));
    expect(data.map((m) => m.links)).toEqual(flowLinks);
    expect((await history(conversationId, '?after=0')).data).toEqual(data);
    expect((await history(conversationId, '?before=5')).data).toEqual(data);

    // The second generation saw the system prompt and the whole conversation, with the bot's settings.
    const prompt = llm.requests.at(-1)!;
    expect(prompt).toMatchObject({ model: 'bot-model', temperature: 0.3, stream: true });
    expect(prompt.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: 'Echo: Hi there' },
      { role: 'user', content: 'What can you do?' },
    ]);

    expect((await api('GET', `/messages/${data[3].id}`)).body.data).toEqual(data[3]);
    const [row] = await app.deps.orm.em
      .fork()
      .execute('select last_message_at from conversation where id = ?', [conversationId]);
    expect(new Date(row.last_message_at).toISOString()).toBe(data[3].createdAt);
  });

  it('uses the server default model when the chatbot has none, and omits an empty system prompt', async () => {
    const bot = await createChatbot(api, { systemPrompt: '' });
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'bob', content: 'ping', channel: 'WIDGET' },
    });
    await waitFor(async () => (await history(sent.body.data.conversation.id)).meta.total === 2, 20_000, 'reply');
    expect(llm.requests.at(-1)).toMatchObject({
      model: 'default-model',
      messages: [{ role: 'user', content: 'ping' }],
    });
  });

  it('starts MessageWorkflow with ID message-<messageId> and searchable ConversationId and ChatbotId', async () => {
    const bot = await createChatbot(api);
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'ops', content: 'find me', channel: 'WIDGET' },
    });
    const { message, conversation } = sent.body.data;
    const handle = await messageFlow(app, message.id);
    expect(await handle.result()).toMatchObject({ status: 'REPLIED' });
    const description = await handle.describe();
    expect(description.type).toBe('MessageWorkflow');
    expect(description.taskQueue).toBe(app.taskQueue);
    expect(description.searchAttributes).toMatchObject({ ConversationId: [conversation.id], ChatbotId: [bot.id] });

    const found = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const wf of app.deps.client.workflow.list({ query: `ConversationId = "${conversation.id}"` }))
          ids.push(wf.workflowId);
        return ids.length > 0 ? ids : undefined;
      },
      15_000,
      'visibility',
    );
    expect(found).toEqual([`message-${message.id}`]);
  });
});

describe('subscriptions', () => {
  it('stops events after unsubscribe, while the reply is still stored', async () => {
    const bot = await createChatbot(api);
    const first = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'quiet', content: 'one', channel: 'WIDGET' },
    });
    const conversationId = first.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);
    const socket = await connectSocket(app.url, token);
    try {
      await socket.emitWithAck('subscribe', { conversationId });
      expect(await socket.emitWithAck('unsubscribe', { conversationId })).toEqual({
        ok: true,
        data: { conversationId },
      });
      await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, conversationId, externalUserId: 'quiet', content: 'two', channel: 'WIDGET' },
      });
      await waitFor(
        async () =>
          (await history(conversationId)).data.at(-1)?.deliveryStatus === 'SENT' &&
          (await history(conversationId)).meta.total === 4,
        20_000,
        'second reply',
      );
      expect(socket.events.filter((e) => e.event !== 'ready')).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('answers garbage payloads with an invalid ack and survives calls without an ack', async () => {
    const socket = await connectSocket(app.url, token);
    try {
      for (const payload of [null, 'x', [1], {}, { conversationId: 42 }]) {
        expect(await socket.emitWithAck('subscribe', payload)).toMatchObject({ ok: false, error: { code: 'invalid' } });
      }
      socket.socket.emit('subscribe', { conversationId: crypto.randomUUID() });
      socket.socket.emit('unsubscribe');
      expect(await socket.emitWithAck('unsubscribe', { conversationId: crypto.randomUUID() })).toMatchObject({
        ok: true,
      });
    } finally {
      socket.close();
    }
  });
});

describe('history paging', () => {
  it('pages in ascending seq with correct meta', async () => {
    const bot = await createChatbot(api);
    let conversationId: string | undefined;
    for (let i = 1; i <= 3; i++) {
      const res = await api('POST', '/messages/send', {
        body: {
          chatbotId: bot.id,
          conversationId,
          externalUserId: 'pager',
          content: `question ${i}`,
          channel: 'WIDGET',
        },
      });
      conversationId = res.body.data.conversation.id;
      await waitFor(async () => (await history(conversationId!)).meta.total === i * 2, 20_000, `reply ${i}`);
    }
    const page1 = await history(conversationId!, '?page=1&limit=4');
    const page2 = await history(conversationId!, '?page=2&limit=4');
    const page3 = await history(conversationId!, '?page=3&limit=4');
    expect(page1.meta).toEqual({ page: 1, limit: 4, total: 6, totalPages: 2 });
    expect(page2.meta).toEqual({ page: 2, limit: 4, total: 6, totalPages: 2 });
    expect(page1.data.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(page2.data.map((m) => m.seq)).toEqual([5, 6]);
    expect(page3.data).toEqual([]);
    expect(page2.data.map((m) => m.content)).toEqual(['question 3', 'Echo: question 3']);
  });
});
