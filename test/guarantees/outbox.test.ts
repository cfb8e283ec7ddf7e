import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, startTestApp, tokenFor, waitFor, type TestApp } from '../support/harness.js';
import { freePort } from '../support/ports.js';

let llm: FakeLlm;
let temporal: DevServer | undefined;
let app: TestApp | undefined;
let port: number;
let db: ScratchDatabase;

beforeAll(async () => {
  // Its own database too: while its Temporal server is down, no other suite's sweeper may see its messages.
  db = await createScratchDatabase('outbox');
  llm = await startFakeLlm();
  port = await freePort();
  // This suite's own Temporal server: it is stopped in the middle of the test.
  temporal = await startDevServer({ port, uiPort: await freePort(), headless: true });
  app = await startTestApp({
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    OPENAI_BASE_URL: llm.url,
    OUTBOX_SWEEP_INTERVAL_MS: '250',
    OUTBOX_GRACE_MS: '500',
    TEMPORAL_START_TIMEOUT_MS: '1000',
  });
});
afterAll(async () => {
  await app?.stop();
  await temporal?.stop();
  await llm?.close();
  await db?.drop();
});

describe('the 202 promise', () => {
  it('answers every message accepted while the Temporal server was down, once it is back', async () => {
    const api = apiClient(app!.url, tokenFor(`outbox-${crypto.randomUUID()}`));
    const bot = await createChatbot(api);
    const first = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'a', content: 'before', channel: 'WIDGET' },
    });
    const conversationId = first.body.data.conversation.id;
    // Settled (delivered) before the outage: this test is about messages sent while Temporal is down.
    await waitFor(
      async () => {
        const rows = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
        return rows.length === 2 && rows[1].deliveryStatus === 'SENT';
      },
      20_000,
      'first reply delivered',
    );

    await temporal!.stop();
    const during = [];
    for (const [user, content] of [
      ['a', 'during 1'],
      ['a', 'during 2'],
      ['b', 'during 3'],
    ] as const) {
      const res = await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, externalUserId: user, content, channel: 'WIDGET' },
      });
      expect(res.status).toBe(202);
      during.push(res.body.data);
    }
    // Saved, not answered.
    expect((await api('GET', `/messages/conversation/${conversationId}`)).body.meta.total).toBe(4);

    temporal = await startDevServer({ port, uiPort: await freePort(), headless: true });

    for (const conversation of new Set(during.map((d) => d.conversation.id))) {
      const rows = await waitFor(
        async () => {
          const data = (await api('GET', `/messages/conversation/${conversation}`)).body.data as any[];
          const users = data.filter((m) => m.role === 'USER').length;
          const replies = data.filter((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'SENT').length;
          return users === replies ? data : undefined;
        },
        60_000,
        `answers in ${conversation}`,
      );
      const expected = conversation === conversationId ? ['before', 'during 1', 'during 2'] : ['during 3'];
      expect(rows.filter((m) => m.role === 'USER').map((m) => m.content)).toEqual(expected);
      expect(rows.filter((m) => m.role === 'ASSISTANT').map((m) => m.content)).toEqual(
        expected.map((c) => `Echo: ${c}`),
      );
    }
    for (const d of during) {
      const result = await app!.deps.client.workflow.getHandle(`message-${d.message.id}`).result();
      expect(result).toMatchObject({ status: 'REPLIED' });
    }
  });
});
