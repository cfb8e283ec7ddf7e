import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io } from 'socket.io-client';
import type { FakeLlm } from '../support/fake-llm.js';
import {
  connectSocket,
  onSocket,
  protocolViolation,
  settledHistory,
  startScenario,
  waitFor,
  type Api,
  type Scenario,
  type TestApp,
} from '../support/harness.js';

let scenario: Scenario;
let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;
let chatbotId: string;

beforeAll(async () => {
  scenario = await startScenario('reconnect');
  ({ llm, app, api, token, chatbotId } = scenario);
});
afterAll(async () => {
  await scenario?.stop();
});

/** Sends one message and waits until its reply is settled: `total` messages, the last one a SENT reply. */
async function sendAndSettle(externalUserId: string, content: string, total: number, conversationId?: string) {
  const res = await api('POST', '/messages/send', {
    body: { chatbotId, externalUserId, content, channel: 'WIDGET', conversationId },
  });
  expect(res.status).toBe(202);
  await settledHistory(api, res.body.data.conversation.id, total);
  return res.body.data as { message: any; conversation: any };
}

/** The rows a client expects for user messages it sent, each followed by the fake LLM's echo. */
function exchanges(firstSeq: number, contents: string[]) {
  return contents.flatMap((content, i) => [
    [firstSeq + 2 * i, 'USER', content, 'SENT'],
    [firstSeq + 2 * i + 1, 'ASSISTANT', `Echo: ${content}`, 'SENT'],
  ]);
}
const rowsOf = (messages: any[]) => messages.map((m) => [m.seq, m.role, m.content, m.deliveryStatus]);

describe('a client that was away catches up', () => {
  it('gets exactly what it missed from ?after=<last seq it saw>', async () => {
    // Each message is sent once the previous reply is settled, so the order is the send order.
    const { conversation } = await sendAndSettle('away', 'one', 2);
    const conversationId: string = conversation.id;

    // A client loads the history, then lives on events while one more exchange happens.
    const loaded = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
    expect(rowsOf(loaded)).toEqual(exchanges(1, ['one']));
    const socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });
    const live = await sendAndSettle('away', 'two', 4, conversationId);
    const reply = await socket.waitFor((e) => e.event === 'message' && e.payload.content === 'Echo: two');
    const seenById = new Map<string, any>();
    for (const e of socket.events) if (e.event === 'message') seenById.set(e.payload.id, e.payload);
    expect([...seenById.values()].map((m) => [m.seq, m.role, m.content])).toEqual([
      [3, 'USER', 'two'],
      [4, 'ASSISTANT', 'Echo: two'],
    ]);
    expect(seenById.get(live.message.id)).toEqual(onSocket(live.message));
    socket.close();
    const lastSeq = Math.max(...loaded.map((m) => m.seq), ...[...seenById.values()].map((m) => m.seq));
    expect(lastSeq).toBe(reply.payload.seq);

    // Away: two more exchanges.
    const three = await sendAndSettle('away', 'three', 6, conversationId);
    const four = await sendAndSettle('away', 'four', 8, conversationId);

    const missed = await api('GET', `/messages/conversation/${conversationId}?after=${lastSeq}`);
    expect(missed.status).toBe(200);
    expect(missed.body.meta).toEqual({ limit: 50, hasMore: false });
    expect(rowsOf(missed.body.data)).toEqual(exchanges(5, ['three', 'four']));
    expect(missed.body.data[0]).toEqual(three.message);
    expect(missed.body.data[2]).toEqual(four.message);

    // Following hasMore in small pages gives the same rows.
    const first = await api('GET', `/messages/conversation/${conversationId}?after=${lastSeq}&limit=3`);
    expect([rowsOf(first.body.data), first.body.meta]).toEqual([
      exchanges(5, ['three', 'four']).slice(0, 3),
      { limit: 3, hasMore: true },
    ]);
    const rest = await api(
      'GET',
      `/messages/conversation/${conversationId}?after=${first.body.data.at(-1).seq}&limit=3`,
    );
    expect([rowsOf(rest.body.data), rest.body.meta]).toEqual([
      exchanges(5, ['three', 'four']).slice(3),
      { limit: 3, hasMore: false },
    ]);
    expect([...first.body.data, ...rest.body.data]).toEqual(missed.body.data);
  });

  it('pages with after/before cursors and says whether there is more', async () => {
    const { conversation } = await sendAndSettle('cursor', 'c1', 2);
    const conversationId: string = conversation.id;
    await sendAndSettle('cursor', 'c2', 4, conversationId);
    await sendAndSettle('cursor', 'c3', 6, conversationId);
    const page = async (query: string) => {
      const res = await api('GET', `/messages/conversation/${conversationId}?${query}`);
      expect(res.status).toBe(200);
      return [rowsOf(res.body.data), res.body.meta];
    };
    const all = exchanges(1, ['c1', 'c2', 'c3']);
    expect(await page('after=0&limit=4')).toEqual([all.slice(0, 4), { limit: 4, hasMore: true }]);
    expect(await page('after=4&limit=4')).toEqual([all.slice(4), { limit: 4, hasMore: false }]);
    expect(await page('before=7&limit=4')).toEqual([all.slice(2), { limit: 4, hasMore: true }]);
    expect(await page('before=3&limit=4')).toEqual([all.slice(0, 2), { limit: 4, hasMore: false }]);
    expect(await page('after=6')).toEqual([[], { limit: 50, hasMore: false }]);
    for (const bad of ['after=-1', 'before=0', 'after=1&before=5', 'page=1&after=2', 'after=x']) {
      const res = await api('GET', `/messages/conversation/${conversationId}?${bad}`);
      expect({ bad, status: res.status, contentType: res.contentType }).toEqual({
        bad,
        status: 400,
        contentType: expect.stringContaining('application/problem+json'),
      });
    }
  });

  it('recovers missed events and its rooms with Socket.IO connection state recovery', async () => {
    const { conversation } = await sendAndSettle('flaky-net', 'hello', 2);
    const conversationId: string = conversation.id;

    // Reconnection is in the test's hands, so the missed events surely happen while it is away.
    const socket = io(`${app.url}/messages`, { auth: { token }, transports: ['websocket'], reconnection: false });
    const events: { event: string; payload: any }[] = [];
    socket.onAny((event, payload) => events.push({ event, payload }));
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      await waitFor(() => events.some((e) => e.event === 'ready'), 10_000, 'ready');
      expect(await socket.timeout(10_000).emitWithAck('subscribe', { conversationId })).toEqual({
        ok: true,
        data: { conversationId },
      });

      // The network drops (not a clean disconnect); a whole exchange happens meanwhile.
      const dropped = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
      socket.io.engine.close();
      await dropped;
      const missed = events.length;
      llm.script({ kind: 'reply', text: 'while you were away' });
      const away = await sendAndSettle('flaky-net', 'are you there?', 4, conversationId);
      const reply = (await api('GET', `/messages/conversation/${conversationId}?after=${away.message.seq}`)).body
        .data[0];
      expect(reply).toMatchObject({ role: 'ASSISTANT', content: 'while you were away', deliveryStatus: 'SENT' });

      const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.connect();
      await reconnected;
      expect(socket.recovered).toBe(true);
      await waitFor(
        () =>
          events.some(
            (e, i) =>
              i >= missed &&
              e.event === 'message:status' &&
              e.payload.messageId === reply.id &&
              e.payload.status === 'SENT',
          ),
        20_000,
        'the missed SENT',
      );
      const recovered = events.slice(missed);
      const messages = recovered.filter((e) => e.event === 'message').map((e) => e.payload);
      expect(messages.map((m) => [m.id, m.seq, m.role, m.content])).toEqual([
        [away.message.id, 3, 'USER', 'are you there?'],
        [reply.id, 4, 'ASSISTANT', 'while you were away'],
      ]);
      const deltas = recovered
        .filter((e) => e.event === 'message:delta')
        .map((e) => e.payload.delta)
        .join('');
      expect(deltas).toBe('while you were away');
      // Replayed events are the protocol's like live ones.
      expect(recovered.map((e) => protocolViolation(e.event, e.payload)).filter(Boolean)).toEqual([]);

      // Its room came back too: the next exchange arrives without a new subscribe.
      const next = await api('POST', '/messages/send', {
        body: { chatbotId, conversationId, externalUserId: 'flaky-net', content: 'good', channel: 'WIDGET' },
      });
      await waitFor(
        () => events.find((e) => e.event === 'message' && e.payload.content === 'Echo: good'),
        20_000,
        'the next reply',
      );
      expect(events.find((e) => e.event === 'message' && e.payload.id === next.body.data.message.id)?.payload).toEqual(
        onSocket(next.body.data.message),
      );
    } finally {
      socket.close();
    }
  });
});
