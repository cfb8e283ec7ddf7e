import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiClient, connectSocket, createChatbot, startTestApp, tokenFor, type Api, type TestApp } from '../support/harness.js';

let app: TestApp;
let alice: Api;
let bob: Api;
let bobToken: string;
let aliceBot: { id: string };
let bobBot: { id: string };
let aliceConversationId: string;
let aliceMessageId: string;

beforeAll(async () => {
  app = await startTestApp({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  alice = apiClient(app.url, tokenFor(`alice-${crypto.randomUUID()}`));
  bobToken = tokenFor(`bob-${crypto.randomUUID()}`);
  bob = apiClient(app.url, bobToken);
  aliceBot = await createChatbot(alice, { name: 'Alice bot' });
  bobBot = await createChatbot(bob, { name: 'Bob bot' });
  const sent = await alice('POST', '/messages/send', {
    body: { chatbotId: aliceBot.id, externalUserId: 'u1', content: 'private to alice', channel: 'WIDGET' },
  });
  aliceConversationId = sent.body.data.conversation.id;
  aliceMessageId = sent.body.data.message.id;
});
afterAll(async () => {
  await app?.stop();
});

describe('tenant isolation: another customer’s ids are 404, never 403', () => {
  it('lists only the caller’s chatbots', async () => {
    const res = await bob('GET', '/chatbots');
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([bobBot.id]);
  });

  it('hides another customer’s chatbot, conversation and message', async () => {
    for (const path of [`/chatbots/${aliceBot.id}`, `/messages/conversation/${aliceConversationId}`, `/messages/${aliceMessageId}`]) {
      const res = await bob('GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(JSON.stringify(res.body)).not.toContain('private to alice');
    }
  });

  it('answers 404 for unknown ids exactly as for foreign ones', async () => {
    const unknown = crypto.randomUUID();
    const foreign = await bob('GET', `/chatbots/${aliceBot.id}`);
    const missing = await bob('GET', `/chatbots/${unknown}`);
    expect({ ...foreign.body }).toEqual({ ...missing.body });
  });

  it('refuses to send to another customer’s chatbot and stores nothing', async () => {
    const res = await bob('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'u1', content: 'intrusion', channel: 'WIDGET' },
    });
    expect(res.status).toBe(404);
    const history = await alice('GET', `/messages/conversation/${aliceConversationId}`);
    expect(history.body.data.map((m: { content: string }) => m.content)).not.toContain('intrusion');
  });

  it('refuses another customer’s conversation with the caller’s own chatbot', async () => {
    const res = await bob('POST', '/messages/send', {
      body: { chatbotId: bobBot.id, conversationId: aliceConversationId, externalUserId: 'u1', content: 'x', channel: 'WIDGET' },
    });
    expect(res.status).toBe(404);
  });

  it('refuses a conversation of another chatbot of the same customer', async () => {
    const otherBot = await createChatbot(alice, { name: 'Alice second bot' });
    const res = await alice('POST', '/messages/send', {
      body: { chatbotId: otherBot.id, conversationId: aliceConversationId, externalUserId: 'u1', content: 'x', channel: 'WIDGET' },
    });
    expect(res.status).toBe(404);
  });

  it('refuses a Socket.IO subscription to another customer’s conversation', async () => {
    const socket = await connectSocket(app.url, bobToken);
    try {
      const ack = await socket.emitWithAck('subscribe', { conversationId: aliceConversationId });
      expect(ack).toEqual({ ok: false, error: { code: 'not_found', message: expect.any(String) } });
      const invalid = await socket.emitWithAck('subscribe', { conversationId: 'nope' });
      expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid' } });
    } finally {
      socket.close();
    }
  });
});

describe('conversation rules', () => {
  it('continues a given conversation and answers 409 once it is closed', async () => {
    const sent = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'closer', content: 'first', channel: 'WIDGET' },
    });
    const conversationId = sent.body.data.conversation.id;
    const again = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, conversationId, externalUserId: 'closer', content: 'second', channel: 'WIDGET' },
    });
    expect(again.status).toBe(202);
    expect(again.body.data.conversation.id).toBe(conversationId);
    expect(again.body.data.message.seq).toBe(sent.body.data.message.seq + 1);

    await app.deps.orm.em.fork().execute(`update conversation set status = 'CLOSED' where id = ?`, [conversationId]);
    const closed = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, conversationId, externalUserId: 'closer', content: 'third', channel: 'WIDGET' },
    });
    expect(closed.status).toBe(409);
    expect(closed.contentType).toContain('application/problem+json');

    const fresh = await alice('POST', '/messages/send', {
      body: { chatbotId: aliceBot.id, externalUserId: 'closer', content: 'new start', channel: 'WIDGET' },
    });
    expect(fresh.status).toBe(202);
    expect(fresh.body.data.conversation.id).not.toBe(conversationId);
    expect(fresh.body.data.message.seq).toBe(1);
  });

  it('keeps one open conversation per end user and channel, even for concurrent first messages', async () => {
    const sends = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        alice('POST', '/messages/send', { body: { chatbotId: aliceBot.id, externalUserId: 'racer', content: `m${i}`, channel: 'WHATSAPP' } }),
      ),
    );
    expect(sends.map((s) => s.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(sends.map((s) => s.body.data.conversation.id)).size).toBe(1);
    expect(sends.map((s) => s.body.data.message.seq).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
