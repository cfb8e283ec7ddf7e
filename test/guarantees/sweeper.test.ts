import { afterAll, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';
import { createLifecycle } from '../../src/lifecycle/index.js';
import { createLogger } from '../../src/logger.js';
import { createSocketPublisher } from '../../src/realtime/socket-publisher.js';
import { createFlowInspector, createFlowStarter, createTurnWaker } from '../../src/temporal/flows.js';
import { connectTemporal } from '../../src/temporal/link.js';
import { startOutboxSweeper } from '../../src/temporal/outbox-sweeper.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { testEnv } from '../support/env.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, connectSocket, createChatbot, startTestApp, tokenFor, waitFor } from '../support/harness.js';
import { freePort } from '../support/ports.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('the sweeper keeps the 202 promise', () => {
  it('finishes the last message of a conversation whose flow ops terminated, as FAILED with a reason', async () => {
    const llm: FakeLlm = await startFakeLlm();
    cleanups.push(() => llm.close());
    const app = await startTestApp({
      OPENAI_BASE_URL: llm.url,
      OUTBOX_SWEEP_INTERVAL_MS: '250',
      OUTBOX_ABANDONED_AFTER_MS: '1000',
    });
    cleanups.push(() => app.stop());
    const token = tokenFor(`sweeper-${crypto.randomUUID()}`);
    const api = apiClient(app.url, token);
    const bot = await createChatbot(api);

    llm.script({ kind: 'hang' });
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'last', content: 'nobody comes after me', channel: 'WIDGET' },
    });
    const conversationId = sent.body.data.conversation.id;
    await llm.waitForRequests(1);
    const socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });
    await app.deps.client.workflow
      .getHandle(`message-${sent.body.data.message.id}`)
      .terminate('test: ops terminated it');
    llm.release();

    const failed = await socket.waitFor((e) => e.event === 'message:status' && e.payload.status === 'FAILED', 20_000);
    socket.close();
    const rows = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
    expect(rows.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'nobody comes after me', 'SENT'],
      [2, 'ASSISTANT', '', 'FAILED'],
    ]);
    expect(failed.payload).toEqual({ messageId: rows[1].id, conversationId, status: 'FAILED' });
    expect(rows[1].metadata).toEqual({
      error: { type: 'FlowEnded', message: 'Answering this message was stopped before a reply was made.' },
    });
  });

  it('goes on past a message whose start fails, and starts that one once it can', async () => {
    // A database of its own: this sweeper must see only this test's messages.
    const db: ScratchDatabase = await createScratchDatabase('sweeper');
    cleanups.push(() => db.drop());
    // The app never reaches a Temporal server (nothing listens there): its messages stay in the outbox.
    const app = await startTestApp({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      OUTBOX_SWEEP_INTERVAL_MS: '3600000',
    });
    cleanups.push(() => app.stop());
    const api = apiClient(app.url, tokenFor(`sweeper-${crypto.randomUUID()}`));
    const bot = await createChatbot(api);
    const ids: string[] = [];
    for (const user of ['one', 'two', 'three']) {
      const res = await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, externalUserId: user, content: `from ${user}`, channel: 'WIDGET' },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.data.message.id);
    }

    // A sweeper on the real Temporal server whose start of the second message fails until allowed.
    const temporal = connectTemporal({
      address: testEnv().temporalAddress,
      namespace: 'default',
      logger: createLogger('silent'),
    });
    cleanups.push(() => temporal.close());
    await temporal.ready;
    const taskQueue = `sweeper-${crypto.randomUUID()}`;
    const start = createFlowStarter(temporal, { taskQueue, eager: () => false, timeoutMs: 3000 });
    let refuse = true;
    const startFlow: typeof start = (flow) =>
      flow.messageId === ids[1] && refuse ? Promise.reject(new Error('this start is refused')) : start(flow);
    const logger = createLogger('silent');
    const lifecycle = createLifecycle({
      orm: app.deps.orm,
      publisher: createSocketPublisher(new Server()),
      logger,
      wakeTurn: createTurnWaker(temporal, logger),
      flowIsOpen: createFlowInspector(temporal),
      startFlow,
    });
    const sweeper = startOutboxSweeper({
      orm: app.deps.orm,
      temporal,
      startFlow,
      lifecycle,
      logger,
      metrics: app.deps.metrics,
      intervalMs: 100,
      graceMs: 0,
      abandonedAfterMs: 3_600_000,
    });
    cleanups.push(() => sweeper.stop());

    const started = async () =>
      (
        await app.deps.orm.em
          .fork()
          .execute<{ id: string }[]>('select id from message where turn_started_at is not null and id in (?)', [ids])
      ).map((r) => r.id);
    // The refused second message does not hold up the third, which comes after it.
    const around = await waitFor(
      async () => ((await started()).length === 2 ? started() : undefined),
      10_000,
      'the other two started',
    );
    expect(around.sort()).toEqual([ids[0], ids[2]].sort());
    refuse = false;
    expect(
      (
        await waitFor(async () => ((await started()).length === 3 ? started() : undefined), 10_000, 'all three started')
      ).sort(),
    ).toEqual([...ids].sort());
    for (const id of ids) {
      const description = await temporal.current()!.client.workflow.getHandle(`message-${id}`).describe();
      expect(description.taskQueue).toBe(taskQueue);
    }
  });
});
