import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  connectSocket,
  createChatbot,
  settledHistory,
  startTestApp,
  tokenFor,
  waitFor,
  type Api,
  type TestApp,
} from '../support/harness.js';

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
    const opened = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'burst', content: 'm0', channel: 'WIDGET' },
    });
    const conversationId = opened.body.data.conversation.id;
    // Settled (the reply SENT): its `message` event went out before, so the socket below cannot see it.
    await settledHistory(api, conversationId, 2);
    const socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });
    llm.reset();

    const sends = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        api('POST', '/messages/send', {
          body: {
            chatbotId: bot.id,
            conversationId,
            externalUserId: 'burst',
            content: `m${i} ${'word '.repeat(6 - i)}`,
            channel: 'WIDGET',
          },
        }),
      ),
    );
    expect(sends.map((s) => s.status)).toEqual([202, 202, 202, 202, 202]);
    // Which send is saved first is up to the race; seq is that order. A reply may be saved before
    // a later concurrent send, so the seqs are not fixed, only their relations.
    const bySeq = [...sends]
      .sort((a, b) => a.body.data.message.seq - b.body.data.message.seq)
      .map((s) => s.body.data.message);
    const userSeqs = bySeq.map((m) => m.seq as number);
    expect(new Set(userSeqs).size).toBe(5);
    expect(userSeqs[0]).toBeGreaterThan(2);

    const rows = await waitFor(
      async () => {
        const data = (await api('GET', `/messages/conversation/${conversationId}?limit=100`)).body.data as any[];
        return data.length === 12 && data.every((m) => m.deliveryStatus === 'SENT') ? data : undefined;
      },
      40_000,
      'five more replies, all SENT',
    );
    socket.close();

    // All seqs of the conversation are exactly 1..12: the five user messages and five replies
    // fill 3..12 without gaps or duplicates.
    expect(rows.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(rows.slice(0, 2).map((m) => [m.seq, m.role, m.content])).toEqual([
      [1, 'USER', 'm0'],
      [2, 'ASSISTANT', 'Echo: m0'],
    ]);
    const userRows = rows.filter((m) => m.role === 'USER').slice(1);
    expect(userRows.map((m) => [m.id, m.seq, m.content])).toEqual(bySeq.map((m) => [m.id, m.seq, m.content]));

    // Replies were produced in send order: the LLM saw the users' messages in seq order.
    expect(llm.requests.map((r) => r.messages.at(-1)!.content)).toEqual(bySeq.map((m) => m.content));
    // …and delivered in that order, over the socket and in the history.
    // (Events are at-least-once: a replayed `message` carries the same id, so key them by id.)
    const deliveredById = new Map<string, string>();
    for (const e of socket.events)
      if (e.event === 'message' && e.payload.role === 'ASSISTANT') deliveredById.set(e.payload.id, e.payload.content);
    expect([...deliveredById.values()]).toEqual(bySeq.map((m) => `Echo: ${m.content}`));
    // In the history, replies in seq order answer the user messages in seq order, each saved after
    // the message it answers.
    const replies = rows.filter((m) => m.role === 'ASSISTANT').slice(1);
    expect(replies.map((m) => m.content)).toEqual(bySeq.map((m) => `Echo: ${m.content}`));
    expect([...deliveredById.keys()]).toEqual(replies.map((m) => m.id));
    replies.forEach((reply, k) => expect([reply.content, reply.seq > bySeq[k]!.seq]).toEqual([reply.content, true]));

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
    const slow = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'slow', content: 'stuck', channel: 'WIDGET' },
    });
    await llm.waitForRequests(1);
    const fast = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'fast', content: 'quick', channel: 'WIDGET' },
    });
    const fastRows = await waitFor(
      async () => {
        const data = (await api('GET', `/messages/conversation/${fast.body.data.conversation.id}`)).body.data as any[];
        return data.length === 2 ? data : undefined;
      },
      20_000,
      'the other conversation to be answered',
    );
    expect(fastRows[1].content).toBe('Echo: quick');
    llm.release();
    await waitFor(
      async () => (await api('GET', `/messages/conversation/${slow.body.data.conversation.id}`)).body.meta.total === 2,
      30_000,
      'the slow one after release',
    );
  });

  it.each([
    ['cancelled', 'FlowCancelled'],
    ['terminated', 'FlowEnded'],
  ])('does not let a flow that ops %s block the conversation', async (action, type) => {
    const bot = await createChatbot(api);
    llm.reset();
    llm.script({ kind: 'hang' });
    const stuck = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: action, content: 'stuck', channel: 'WIDGET' },
    });
    const conversationId = stuck.body.data.conversation.id;
    await llm.waitForRequests(1);
    const next = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, conversationId, externalUserId: action, content: 'next', channel: 'WIDGET' },
    });
    expect(next.status).toBe(202);

    const handle = app.deps.client.workflow.getHandle(`message-${stuck.body.data.message.id}`);
    if (action === 'cancelled') await handle.cancel();
    else await handle.terminate('test: ops terminated it');

    const rows = await waitFor(
      async () => {
        const data = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
        return data.some((m) => m.content === 'Echo: next' && m.deliveryStatus === 'SENT') ? data : undefined;
      },
      30_000,
      'the next message to be answered',
    );
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
