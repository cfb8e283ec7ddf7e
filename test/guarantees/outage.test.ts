import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import proto from '@temporalio/proto';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  createChatbot,
  messageFlow,
  settledHistory,
  startTestApp,
  tokenFor,
  waitFor,
  type TestApp,
} from '../support/harness.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

/**
 * Longer than every retry budget the flow keeps (the LLM's 6 attempts back off for ~31 s; an
 * unexpected error is retried for ~25 s): a database outage must not use up any of them.
 */
const OUTAGE_MS = 60_000;

let pg: PrivatePostgres;
let llm: FakeLlm;
let app: TestApp;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  llm = await startFakeLlm();
  app = await startTestApp({ DATABASE_URL: pg.url, OPENAI_BASE_URL: llm.url, TURN_RECHECK_SECONDS: '1' });
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
  pg?.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a database outage longer than any retry budget', () => {
  it('ends with every accepted message answered exactly once and in order; sends meanwhile get 503 and are retried with their key', async () => {
    const api = apiClient(app.url, tokenFor(`outage-${crypto.randomUUID()}`));
    const chatbotId = (await createChatbot(api)).id;
    const send = (externalUserId: string, content: string, key?: string, conversationId?: string) =>
      api('POST', '/messages/send', {
        body: { chatbotId, conversationId, externalUserId, content, channel: 'WIDGET' },
        headers: key ? { 'Idempotency-Key': key } : {},
      });

    // In flight when the database goes: two replies being generated (the model holds them until
    // the database is gone), and a message waiting for its turn behind one of them.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    llm.script({ kind: 'reply', after: gate }, { kind: 'reply', after: gate });
    const a1 = await send('ana', 'first from ana');
    const b1 = await send('ben', 'first from ben');
    await llm.waitForRequests(2);
    const a2 = await send('ana', 'second from ana', undefined, a1.body.data.conversation.id);
    expect([a1.status, b1.status, a2.status]).toEqual([202, 202, 202]);

    pg.stop();
    const outageStarted = Date.now();
    openGate(); // the model answers now; saving those answers meets the outage

    // Meanwhile: a send cannot be stored, and says so in a way a client can act on.
    const key = crypto.randomUUID();
    const refused = await send('cleo', 'sent during the outage', key);
    expect(refused.status).toBe(503);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    const ready = await apiClient(app.url)('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: 'down', temporal: 'ok', worker: 'ok' });

    await sleep(OUTAGE_MS - (Date.now() - outageStarted));
    pg.start();

    // The client retries with its key once the service answers again.
    const accepted = await waitFor(
      async () => {
        const res = await send('cleo', 'sent during the outage', key);
        return res.status === 202 ? res : undefined;
      },
      30_000,
      'the send to be accepted after the outage',
    );
    expect((await apiClient(app.url)('GET', '/health/ready')).status).toBe(200);

    const ana = await settledHistory(api, a1.body.data.conversation.id, 4, 90_000);
    expect(ana.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'first from ana', 'SENT'],
      [2, 'USER', 'second from ana', 'SENT'],
      [3, 'ASSISTANT', 'Echo: first from ana', 'SENT'],
      [4, 'ASSISTANT', 'Echo: second from ana', 'SENT'],
    ]);
    const ben = await settledHistory(api, b1.body.data.conversation.id, 2, 90_000);
    expect(ben.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'first from ben', 'SENT'],
      [2, 'ASSISTANT', 'Echo: first from ben', 'SENT'],
    ]);
    const cleo = await settledHistory(api, accepted.body.data.conversation.id, 2, 90_000);
    expect(cleo.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'sent during the outage', 'SENT'],
      [2, 'ASSISTANT', 'Echo: sent during the outage', 'SENT'],
    ]);
    // The refused send stored nothing: the retry made the conversation's only user message.
    expect(cleo.filter((m) => m.role === 'USER')).toHaveLength(1);

    for (const sent of [a1, b1, a2, accepted]) {
      const flow = await messageFlow(app, sent.body.data.message.id);
      expect(await flow.result()).toMatchObject({ status: 'REPLIED' });
    }
    // Ops can see what happened: the generate step met the outage and the flow waited it out.
    const history = await (await messageFlow(app, a1.body.data.message.id)).fetchHistory();
    const failedTypes = history
      .events!.filter((e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
      .map((e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type);
    expect(failedTypes.length).toBeGreaterThan(0);
    expect(new Set(failedTypes)).toEqual(new Set(['DatabaseUnavailable']));
  }, 240_000);
});
