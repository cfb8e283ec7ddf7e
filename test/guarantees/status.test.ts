import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FakeLlm } from '../support/fake-llm.js';
import {
  connectSocket,
  settledHistory,
  startScenario,
  tokenFor,
  type Api,
  type Scenario,
  type TestApp,
  type TestSocket,
} from '../support/harness.js';

let scenario: Scenario;
let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;
let chatbotId: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  scenario = await startScenario('status');
  ({ llm, app, api, token, chatbotId } = scenario);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await scenario?.stop();
});

type Status = 'PENDING' | 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';
type Confirmation = 'message:delivered' | 'message:read';

/** The test's own model of API.md section 6: which statuses each status may be reached from. */
const REACHABLE_FROM: Record<Status, Status[]> = {
  PENDING: [],
  SENT: ['PENDING'],
  DELIVERED: ['PENDING', 'SENT'],
  READ: ['PENDING', 'SENT', 'DELIVERED'],
  FAILED: ['PENDING', 'SENT'],
};
const TARGET: Record<Confirmation, Status> = { 'message:delivered': 'DELIVERED', 'message:read': 'READ' };
const advance = (from: Status, to: Status): Status => (REACHABLE_FROM[to].includes(from) ? to : from);

/** mulberry32: a tiny seeded PRNG, so every run shuffles the same way. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function connect(): Promise<TestSocket> {
  const socket = await connectSocket(app.url, token);
  sockets.push(socket);
  return socket;
}

const send = async (externalUserId: string, content: string, conversationId?: string) => {
  const res = await api('POST', '/messages/send', {
    body: { chatbotId, externalUserId, content, channel: 'WIDGET', conversationId },
  });
  expect(res.status).toBe(202);
  return res.body.data as { message: any; conversation: any };
};

const statusEvents = (socket: TestSocket, messageIds: string[]) =>
  socket.events
    .filter((e) => e.event === 'message:status' && messageIds.includes(e.payload.messageId))
    .map((e) => e.payload);

/**
 * A conversation whose second reply a subscribed watcher saw from the start: `first` and its reply
 * are settled before the watcher subscribes; `second` is sent after, and its reply's SENT (from the
 * flow's deliver step) has reached the watcher. Every message here is SENT.
 */
async function watchedConversation(externalUserId: string, secondReplyScript?: () => void) {
  const first = await send(externalUserId, 'first');
  const conversationId: string = first.conversation.id;
  await settledHistory(api, conversationId, 2);
  const watcher = await connect();
  expect(await watcher.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true, data: { conversationId } });
  secondReplyScript?.();
  const second = await send(externalUserId, 'second', conversationId);
  const reply = (
    await watcher.waitFor(
      (e) => e.event === 'message' && e.payload.role === 'ASSISTANT' && e.payload.seq > second.message.seq,
    )
  ).payload;
  return { conversationId, first: first.message, second: second.message, reply, watcher };
}

describe('delivery status only moves forward', () => {
  it('applies shuffled, repeated and stale delivered/read updates forward only, emitting each change exactly once', async () => {
    const { conversationId, first, second, reply, watcher } = await watchedConversation('shuffle');
    expect(reply.content).toBe('Echo: second');
    await watcher.waitFor(
      (e) => e.event === 'message:status' && e.payload.messageId === reply.id && e.payload.status === 'SENT',
    );
    const clients = [await connect(), await connect(), await connect()];

    // Four delivered and four read confirmations for the reply and for the user message, shuffled
    // with a fixed seed, sent one at a time (each ack awaited) by three clients in turn.
    const targets: string[] = [reply.id, second.id];
    const random = mulberry32(7);
    const updates = shuffle(
      targets.flatMap((messageId) =>
        (
          [
            'message:delivered',
            'message:delivered',
            'message:delivered',
            'message:delivered',
            'message:read',
            'message:read',
            'message:read',
            'message:read',
          ] as Confirmation[]
        ).map((event) => ({ event, messageId })),
      ),
      random,
    );

    const model = new Map<string, Status>(targets.map((id) => [id, 'SENT']));
    const expectedEvents: { messageId: string; conversationId: string; status: Status }[] = [
      { messageId: reply.id, conversationId, status: 'SENT' }, // the flow's deliver step
    ];
    const expectedAcks: unknown[] = [];
    const acks: unknown[] = [];
    for (const [i, { event, messageId }] of updates.entries()) {
      const before = model.get(messageId)!;
      const after = advance(before, TARGET[event]);
      model.set(messageId, after);
      if (after !== before) expectedEvents.push({ messageId, conversationId, status: after });
      expectedAcks.push({ ok: true, data: { messageId, status: after } });
      acks.push(await clients[i % clients.length].emitWithAck(event, { messageId }));
    }
    // The seed covers both paths (SENT→READ directly, and SENT→DELIVERED→READ) and stale updates.
    expect(expectedEvents.slice(1).map((e) => [e.messageId, e.status])).toEqual([
      [second.id, 'DELIVERED'],
      [reply.id, 'READ'],
      [second.id, 'READ'],
    ]);
    expect(acks).toEqual(expectedAcks);

    // A sentinel change on another message of the room: once the watcher has it, it has everything
    // emitted before it (one room's events arrive in order).
    expect(await clients[0].emitWithAck('message:read', { messageId: first.id })).toEqual({
      ok: true,
      data: { messageId: first.id, status: 'READ' },
    });
    expectedEvents.push({ messageId: first.id, conversationId, status: 'READ' });
    await watcher.waitFor((e) => e.event === 'message:status' && e.payload.messageId === first.id);

    expect(statusEvents(watcher, [reply.id, second.id, first.id])).toEqual(expectedEvents);
    for (const id of targets)
      expect((await api('GET', `/messages/${id}`)).body.data.deliveryStatus).toBe(model.get(id));
  });

  it('emits each change at most once and in forward order under concurrent confirmations', async () => {
    const { conversationId, second, reply, watcher } = await watchedConversation('concurrent');
    await watcher.waitFor(
      (e) => e.event === 'message:status' && e.payload.messageId === reply.id && e.payload.status === 'SENT',
    );
    const clients = [await connect(), await connect(), await connect()];

    const updates = shuffle(
      [...Array<Confirmation>(6).fill('message:read'), ...Array<Confirmation>(6).fill('message:delivered')],
      mulberry32(20261125),
    );
    const acks = await Promise.all(
      updates.map((event, i) => clients[i % clients.length].emitWithAck(event, { messageId: reply.id })),
    );
    // A read leaves the reply READ whoever won; a delivered reports DELIVERED or READ.
    const reported = updates.map((event, i) => {
      expect(acks[i]).toEqual({ ok: true, data: { messageId: reply.id, status: expect.any(String) } });
      return [event, acks[i].data.status];
    });
    expect(
      reported.filter(
        ([event, status]) => !(event === 'message:read' ? ['READ'] : ['DELIVERED', 'READ']).includes(status),
      ),
    ).toEqual([]);

    // Sentinel: the user message's own READ, after every update was acknowledged.
    expect(await clients[0].emitWithAck('message:read', { messageId: second.id })).toEqual({
      ok: true,
      data: { messageId: second.id, status: 'READ' },
    });
    await watcher.waitFor((e) => e.event === 'message:status' && e.payload.messageId === second.id);

    const changes = statusEvents(watcher, [reply.id]).map((e) => {
      expect(e).toEqual({ messageId: reply.id, conversationId, status: expect.any(String) });
      return e.status;
    });
    // SENT came from the flow; then READ alone, or DELIVERED then READ — never twice, never back.
    expect([
      ['SENT', 'READ'],
      ['SENT', 'DELIVERED', 'READ'],
    ]).toContainEqual(changes);
    // Someone saw DELIVERED in an ack exactly when DELIVERED was a change that was emitted.
    expect(acks.some((ack) => ack.data.status === 'DELIVERED')).toBe(changes.includes('DELIVERED'));
    expect((await api('GET', `/messages/${reply.id}`)).body.data.deliveryStatus).toBe('READ');
  });

  it('never moves a FAILED reply, and checks ownership', async () => {
    const {
      conversationId,
      second,
      reply: failed,
      watcher,
    } = await watchedConversation('failed', () => llm.script({ kind: 'error', status: 400 }));
    expect(failed).toMatchObject({ content: '', deliveryStatus: 'FAILED' });
    await watcher.waitFor((e) => e.event === 'message:status' && e.payload.messageId === failed.id);

    const client = await connect();
    for (const event of ['message:read', 'message:delivered', 'message:read']) {
      expect(await client.emitWithAck(event, { messageId: failed.id })).toEqual({
        ok: true,
        data: { messageId: failed.id, status: 'FAILED' },
      });
    }
    expect(await client.emitWithAck('message:read', { messageId: second.id })).toEqual({
      ok: true,
      data: { messageId: second.id, status: 'READ' },
    });
    await watcher.waitFor((e) => e.event === 'message:status' && e.payload.messageId === second.id);
    // FAILED was emitted once, by the flow; the confirmations changed and emitted nothing.
    expect(statusEvents(watcher, [failed.id])).toEqual([{ messageId: failed.id, conversationId, status: 'FAILED' }]);
    expect((await api('GET', `/messages/${failed.id}`)).body.data.deliveryStatus).toBe('FAILED');

    const stranger = await connectSocket(app.url, tokenFor(`stranger-${crypto.randomUUID()}`));
    sockets.push(stranger);
    expect(await stranger.emitWithAck('message:read', { messageId: second.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await stranger.emitWithAck('message:delivered', { messageId: failed.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await stranger.emitWithAck('message:delivered', { messageId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect((await api('GET', `/messages/${second.id}`)).body.data.deliveryStatus).toBe('READ');
  });
});
