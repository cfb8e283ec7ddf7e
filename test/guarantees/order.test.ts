import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, connectSocket, createChatbot, startTestApp, tokenFor, waitFor, type Api, type TestApp } from '../support/harness.js';

let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;

beforeAll(async () => {
  // A slow-ish model: without turn-taking, later messages would overtake earlier ones.
  llm = await startFakeLlm({ defaultChunkDelayMs: 15 });
  app = await startTestApp({ OPENAI_BASE_URL: llm.url, TURN_RECHECK_SECONDS: '1' });
  token = tokenFor(`order-${crypto.randomUUID()}`);
  api = apiClient(app.url, token);
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
});

describe('replies in one conversation come in send order', () => {
  it('answers 5 messages sent at once in order, each generation seeing every earlier message and reply', async () => {
    const bot = await createChatbot(api, { systemPrompt: '' });
    const opened = await api('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: 'burst', content: 'm0', channel: 'WIDGET' } });
    const conversationId = opened.body.data.conversation.id;
    await waitFor(async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 2, 20_000, 'first reply');
    const socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });
    llm.reset();

    const sends = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        api('POST', '/messages/send', { body: { chatbotId: bot.id, conversationId, externalUserId: 'burst', content: `m${i} ${'word '.repeat(6 - i)}`, channel: 'WIDGET' } }),
      ),
    );
    expect(sends.map((s) => s.status)).toEqual([202, 202, 202, 202, 202]);
    // seq is unique and gap-free under concurrency; send order is seq order.
    const userSeqs = sends.map((s) => s.body.data.message.seq).sort((a, b) => a - b);
    expect(userSeqs).toEqual([3, 4, 5, 6, 7]);
    const bySeq = [...sends].sort((a, b) => a.body.data.message.seq - b.body.data.message.seq).map((s) => s.body.data.message);

    const rows = await waitFor(async () => {
      const data = (await api('GET', `/messages/conversation/${conversationId}?limit=100`)).body.data as any[];
      return data.filter((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'SENT').length === 6 ? data : undefined;
    }, 40_000, 'five more replies');
    socket.close();

    // Replies were produced in send order: the LLM saw the users' messages in seq order.
    expect(llm.requests.map((r) => r.messages.at(-1)!.content)).toEqual(bySeq.map((m) => m.content));
    // …and delivered in that order, over the socket and in the history.
    const delivered = socket.events.filter((e) => e.event === 'message' && e.payload.role === 'ASSISTANT').map((e) => e.payload.content);
    expect(delivered).toEqual(bySeq.map((m) => `Echo: ${m.content}`));
    const replies = rows.filter((m) => m.role === 'ASSISTANT').slice(1);
    expect(replies.map((m) => m.content)).toEqual(bySeq.map((m) => `Echo: ${m.content}`));
    expect(replies.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);

    // Each generation saw every earlier message and reply, and no later message.
    llm.requests.forEach((request, k) => {
      const seen = request.messages.map((m) => m.content);
      const earlierUsers = ['m0', ...bySeq.slice(0, k).map((m) => m.content)];
      const earlierReplies = ['m0', ...bySeq.slice(0, k).map((m) => m.content)].map((c) => `Echo: ${c}`);
      expect(seen).toEqual(expect.arrayContaining([...earlierUsers, ...earlierReplies, bySeq[k]!.content]));
      expect(seen).toHaveLength(earlierUsers.length + earlierReplies.length + 1);
      expect(seen.at(-1)).toBe(bySeq[k]!.content);
    });
  });

  it('keeps conversations independent: one slow conversation does not hold up another', async () => {
    const bot = await createChatbot(api);
    llm.reset();
    llm.script({ kind: 'hang' });
    const slow = await api('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: 'slow', content: 'stuck', channel: 'WIDGET' } });
    await llm.waitForRequests(1);
    const fast = await api('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: 'fast', content: 'quick', channel: 'WIDGET' } });
    const fastRows = await waitFor(async () => {
      const data = (await api('GET', `/messages/conversation/${fast.body.data.conversation.id}`)).body.data as any[];
      return data.length === 2 ? data : undefined;
    }, 20_000, 'the other conversation to be answered');
    expect(fastRows[1].content).toBe('Echo: quick');
    llm.release();
    await waitFor(async () => (await api('GET', `/messages/conversation/${slow.body.data.conversation.id}`)).body.meta.total === 2, 30_000, 'the slow one after release');
  });

  it.each([
    ['cancelled', 'FlowCancelled'],
    ['terminated', 'FlowEnded'],
  ])('does not let a flow that ops %s block the conversation', async (action, type) => {
    const bot = await createChatbot(api);
    llm.reset();
    llm.script({ kind: 'hang' });
    const stuck = await api('POST', '/messages/send', { body: { chatbotId: bot.id, externalUserId: action, content: 'stuck', channel: 'WIDGET' } });
    const conversationId = stuck.body.data.conversation.id;
    await llm.waitForRequests(1);
    const next = await api('POST', '/messages/send', { body: { chatbotId: bot.id, conversationId, externalUserId: action, content: 'next', channel: 'WIDGET' } });
    expect(next.status).toBe(202);

    const handle = app.deps.client.workflow.getHandle(`message-${stuck.body.data.message.id}`);
    if (action === 'cancelled') await handle.cancel();
    else await handle.terminate('test: ops terminated it');

    const rows = await waitFor(async () => {
      const data = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
      return data.some((m) => m.content === 'Echo: next' && m.deliveryStatus === 'SENT') ? data : undefined;
    }, 30_000, 'the next message to be answered');
    llm.release();
    expect(rows.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'stuck', 'SENT'],
      ['USER', 'next', 'SENT'],
      ['ASSISTANT', '', 'FAILED'],
      ['ASSISTANT', 'Echo: next', 'SENT'],
    ]);
    expect(rows[2].metadata.error.type).toBe(type);
  });
});
