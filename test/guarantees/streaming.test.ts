import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FakeLlm } from '../support/fake-llm.js';
import { connectSocket, startScenario, waitFor, type Api, type Scenario, type TestApp } from '../support/harness.js';

let scenario: Scenario;
let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;
let chatbotId: string;

beforeAll(async () => {
  scenario = await startScenario(
    'stream',
    { HISTORY_MAX_MESSAGES: '6', HISTORY_MAX_CHARS: '400' },
    { systemPrompt: 'Stream well.' },
  );
  ({ llm, app, api, token, chatbotId } = scenario);
});
afterAll(async () => {
  await scenario?.stop();
});

async function sendWatched(content: string) {
  const externalUserId = `u-${crypto.randomUUID()}`;
  const opened = await api('POST', '/messages/send', {
    body: { chatbotId, externalUserId, content: 'open', channel: 'WIDGET' },
  });
  const conversationId = opened.body.data.conversation.id;
  await waitFor(
    async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 2,
    20_000,
    'opening reply',
  );
  const socket = await connectSocket(app.url, token);
  await socket.emitWithAck('subscribe', { conversationId });
  await api('POST', '/messages/send', {
    body: { chatbotId, conversationId, externalUserId, content, channel: 'WIDGET' },
  });
  const final = await socket.waitFor((e) => e.event === 'message' && e.payload.role === 'ASSISTANT', 30_000);
  return { socket, final, conversationId };
}

describe('streaming replies', () => {
  it('sends deltas before the final message, in index order, concatenating to its content, batched', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `tok${i}`).join(' ');
    llm.script({ kind: 'reply', text: 'opening' }, { kind: 'reply', text, chunkDelayMs: 2 });
    const { socket, final } = await sendWatched('stream please');
    const deltas = socket.events.filter((e) => e.event === 'message:delta');
    expect(deltas.every((d) => d.payload.messageId === final.payload.id && d.payload.attempt === 1)).toBe(true);
    expect(deltas.map((d) => d.payload.index)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((d) => d.payload.delta).join('')).toBe(final.payload.content);
    expect(final.payload.content).toBe(text);
    expect(Math.max(...deltas.map((d) => d.at))).toBeLessThanOrEqual(final.at);
    expect(socket.events.indexOf(deltas.at(-1)!)).toBeLessThan(socket.events.indexOf(final));
    // 60 tokens from a fast model arrive in fewer, larger events.
    expect(deltas.length).toBeLessThan(60);
    socket.close();
  });

  it('shows a failed first attempt as attempt 1, then attempt 2 from index 0, ending in one message', async () => {
    const text = 'one two three four five six seven eight';
    llm.script(
      { kind: 'reply', text: 'opening' },
      { kind: 'reply', text, failAfterChunks: 3, chunkDelayMs: 30 },
      { kind: 'reply', text },
    );
    const { socket, final, conversationId } = await sendWatched('fail midway');
    const deltas = socket.events.filter((e) => e.event === 'message:delta').map((e) => e.payload);
    const first = deltas.filter((d) => d.attempt === 1);
    const second = deltas.filter((d) => d.attempt === 2);
    expect(first.length).toBeGreaterThan(0);
    expect(first.map((d) => d.delta).join('')).toBe('one two three ');
    expect(deltas.indexOf(second[0])).toBeGreaterThan(deltas.indexOf(first.at(-1)));
    expect(second.map((d) => d.index)).toEqual(second.map((_, i) => i));
    expect(second.map((d) => d.delta).join('')).toBe(final.payload.content);
    expect(final.payload.content).toBe(text);
    const replies = ((await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[]).filter(
      (m) => m.role === 'ASSISTANT',
    );
    expect(replies.map((m) => m.content)).toEqual(['opening', text]);
    socket.close();
  });
  it('does not take a stream that ended early for the whole reply: the attempt is retried', async () => {
    const text = 'alpha beta gamma delta epsilon';
    llm.script({ kind: 'reply', text: 'opening' }, { kind: 'reply', text, endAfterChunks: 2 }, { kind: 'reply', text });
    const { socket, final, conversationId } = await sendWatched('cut short');
    const deltas = socket.events.filter((e) => e.event === 'message:delta').map((e) => e.payload);
    expect(
      deltas
        .filter((d) => d.attempt === 1)
        .map((d) => d.delta)
        .join(''),
    ).toBe('alpha beta ');
    expect(
      deltas
        .filter((d) => d.attempt === 2)
        .map((d) => d.delta)
        .join(''),
    ).toBe(text);
    expect(final.payload.content).toBe(text);
    // The reply's SENT follows its `message` event (one step later): wait for it, then read.
    await socket.waitFor(
      (e) => e.event === 'message:status' && e.payload.messageId === final.payload.id && e.payload.status === 'SENT',
    );
    const replies = ((await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[]).filter(
      (m) => m.role === 'ASSISTANT',
    );
    expect(replies.map((m) => [m.content, m.deliveryStatus])).toEqual([
      ['opening', 'SENT'],
      [text, 'SENT'],
    ]);
    socket.close();
  });
});

describe('bounded context and rate limits', () => {
  it('answers a conversation longer than the history bound, with a bounded prompt of the newest messages', async () => {
    const externalUserId = `long-${crypto.randomUUID()}`;
    let conversationId: string | undefined;
    for (let i = 1; i <= 8; i++) {
      const res = await api('POST', '/messages/send', {
        body: { chatbotId, conversationId, externalUserId, content: `question number ${i}`, channel: 'WIDGET' },
      });
      conversationId = res.body.data.conversation.id;
      await waitFor(
        async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === i * 2,
        20_000,
        `reply ${i}`,
      );
    }
    const last = llm.requests.at(-1)!;
    expect(last.messages[0]).toEqual({ role: 'system', content: 'Stream well.' });
    expect(last.messages.at(-1)).toEqual({ role: 'user', content: 'question number 8' });
    // 6 history messages at most (the newest), plus the system prompt and the current message.
    expect(last.messages).toHaveLength(8);
    expect(last.messages.slice(1, -1).map((m) => m.content)).toEqual([
      'question number 5',
      'Echo: question number 5',
      'question number 6',
      'Echo: question number 6',
      'question number 7',
      'Echo: question number 7',
    ]);
  });

  it('bounds the prompt by characters too, keeping the newest', async () => {
    const externalUserId = `chars-${crypto.randomUUID()}`;
    const long = 'x'.repeat(150);
    const first = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId, content: `old ${long}`, channel: 'WIDGET' },
    });
    const conversationId = first.body.data.conversation.id;
    await waitFor(
      async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 2,
      20_000,
      'reply',
    );
    await api('POST', '/messages/send', {
      body: { chatbotId, conversationId, externalUserId, content: `new ${long}`, channel: 'WIDGET' },
    });
    await waitFor(
      async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 4,
      20_000,
      'reply',
    );
    const prompt = llm.requests.at(-1)!.messages;
    const chars = prompt.filter((m) => m.role !== 'system').reduce((n, m) => n + m.content.length, 0);
    expect(chars).toBeLessThanOrEqual(400);
    expect(prompt.at(-1)!.content).toBe(`new ${long}`);
    expect(prompt.map((m) => m.content)).toContain(`Echo: old ${long}`);
    expect(prompt.map((m) => m.content)).not.toContain(`old ${long}`);
  });

  it('retries a 429 after its Retry-After delay', async () => {
    const externalUserId = `rl-${crypto.randomUUID()}`;
    llm.reset();
    llm.script({ kind: 'error', status: 429, headers: { 'retry-after': '3' } });
    const arrivals: number[] = [];
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId, content: 'rate limited', channel: 'WIDGET' },
    });
    await llm.waitForRequests(1);
    arrivals.push(Date.now());
    await llm.waitForRequests(2, 20_000);
    arrivals.push(Date.now());
    // The default backoff would retry after 1 s; Retry-After asked for 3 s.
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(2900);
    const conversationId = sent.body.data.conversation.id;
    await waitFor(
      async () => (await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total === 2,
      20_000,
      'reply',
    );
  });
});
