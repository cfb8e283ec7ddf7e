import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectSocket, createChatbot, settledHistory, startScenario, type Scenario } from '../support/harness.js';

let scenario: Scenario;
const SERVER_MAX_TOKENS = 77;
const REPLY_MAX_CHARS = 40;

beforeAll(async () => {
  scenario = await startScenario('limits', {
    LLM_MAX_TOKENS: String(SERVER_MAX_TOKENS),
    REPLY_MAX_CHARS: String(REPLY_MAX_CHARS),
  });
});
afterAll(async () => {
  await scenario?.stop();
});

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('LLM output has a size cap', () => {
  it('sends the server default max_tokens when a chatbot sets none', async () => {
    const { api, chatbotId, llm } = scenario;
    llm.reset();
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: `d-${crypto.randomUUID()}`, content: 'short', channel: 'WIDGET' },
    });
    const rows = await settledHistory(api, sent.body.data.conversation.id, 2);
    expect(llm.requests.map((r) => r.maxTokens)).toEqual([SERVER_MAX_TOKENS]);
    expect(rows[1]).toMatchObject({ content: 'Echo: short', metadata: { model: 'gpt-4o-mini' } });
  });

  it('sends the chatbot’s max_tokens, and marks a reply the model cut there as truncated', async () => {
    const { api, llm } = scenario;
    const bot = await createChatbot(api, { maxTokens: 3 });
    llm.reset();
    llm.script({ kind: 'reply', text: words(10) });
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: `t-${crypto.randomUUID()}`, content: 'talk a lot', channel: 'WIDGET' },
    });
    const rows = await settledHistory(api, sent.body.data.conversation.id, 2);
    expect(llm.requests.map((r) => r.maxTokens)).toEqual([3]);
    expect(rows[1]).toMatchObject({
      content: 'w0 w1 w2 ',
      deliveryStatus: 'SENT',
      metadata: { model: 'gpt-4o-mini', truncated: true },
    });
  });

  it('cuts the saved and streamed text at REPLY_MAX_CHARS and stops reading the stream', async () => {
    const { api, app, token, chatbotId, llm } = scenario;
    const externalUserId = `c-${crypto.randomUUID()}`;
    const first = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId, content: 'open', channel: 'WIDGET' },
    });
    const conversationId = first.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);
    const socket = await connectSocket(app.url, token);
    try {
      await socket.emitWithAck('subscribe', { conversationId });
      const long = words(40); // 159 characters
      llm.script({ kind: 'reply', text: long, chunkDelayMs: 2 });
      await api('POST', '/messages/send', {
        body: { chatbotId, conversationId, externalUserId, content: 'go long', channel: 'WIDGET' },
      });
      const rows = await settledHistory(api, conversationId, 4);
      const reply = rows[3];
      expect(reply).toMatchObject({
        content: long.slice(0, REPLY_MAX_CHARS),
        deliveryStatus: 'SENT',
        metadata: { model: 'gpt-4o-mini', truncated: true },
      });
      await socket.waitFor(
        (e) => e.event === 'message:status' && e.payload.messageId === reply.id && e.payload.status === 'SENT',
      );
      const deltas = socket.events
        .filter((e) => e.event === 'message:delta' && e.payload.messageId === reply.id)
        .map((e) => e.payload.delta);
      expect(deltas.join('')).toBe(long.slice(0, REPLY_MAX_CHARS));
    } finally {
      socket.close();
    }
  });
});
