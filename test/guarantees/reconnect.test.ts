import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io } from 'socket.io-client';
import type { FakeLlm } from '../support/fake-llm.js';
import { connectSocket, startScenario, waitFor, type Api, type Scenario, type TestApp, settledHistory } from '../support/harness.js';

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

describe('a client that was away catches up', () => {
  it('gets exactly what it missed from ?after=<last seq it saw>', async () => {
    const first = await api('POST', '/messages/send', { body: { chatbotId, externalUserId: 'away', content: 'one', channel: 'WIDGET' } });
    const conversationId = first.body.data.conversation.id;
    // A client subscribes, loads what is already there, then lives on events.
    const socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });
    const loaded = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
    await settledHistory(api, conversationId, 2);
    const seen = [...loaded, ...socket.events.filter((e) => e.event === 'message').map((e) => e.payload)];
    socket.close();
    const lastSeq = Math.max(...seen.map((m) => m.seq));

    for (const content of ['two', 'three']) {
      await api('POST', '/messages/send', { body: { chatbotId, conversationId, externalUserId: 'away', content, channel: 'WIDGET' } });
    }
    const all = await settledHistory(api, conversationId, 6);

    const missed = await api('GET', `/messages/conversation/${conversationId}?after=${lastSeq}`);
    expect(missed.status).toBe(200);
    expect(missed.body.meta).toEqual({ limit: 50, hasMore: false });
    expect(missed.body.data).toEqual(all.filter((m) => m.seq > lastSeq));
    expect(missed.body.data.map((m: any) => m.content)).toEqual(['two', 'three', 'Echo: two', 'Echo: three'].filter((c) => all.some((m) => m.content === c && m.seq > lastSeq)));
    expect(new Set([...seen, ...missed.body.data].map((m) => m.seq))).toEqual(new Set(all.map((m) => m.seq)));
  });

  it('pages with after/before cursors and says whether there is more', async () => {
    const first = await api('POST', '/messages/send', { body: { chatbotId, externalUserId: 'cursor', content: 'c1', channel: 'WIDGET' } });
    const conversationId = first.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);
    for (const content of ['c2', 'c3']) {
      await api('POST', '/messages/send', { body: { chatbotId, conversationId, externalUserId: 'cursor', content, channel: 'WIDGET' } });
      await settledHistory(api, conversationId, content === 'c2' ? 4 : 6);
    }
    const seqs = async (query: string) => {
      const res = await api('GET', `/messages/conversation/${conversationId}?${query}`);
      expect(res.status).toBe(200);
      return [res.body.data.map((m: any) => m.seq), res.body.meta];
    };
    expect(await seqs('after=0&limit=4')).toEqual([[1, 2, 3, 4], { limit: 4, hasMore: true }]);
    expect(await seqs('after=4&limit=4')).toEqual([[5, 6], { limit: 4, hasMore: false }]);
    expect(await seqs('before=7&limit=4')).toEqual([[3, 4, 5, 6], { limit: 4, hasMore: true }]);
    expect(await seqs('before=3&limit=4')).toEqual([[1, 2], { limit: 4, hasMore: false }]);
    expect(await seqs('after=6')).toEqual([[], { limit: 50, hasMore: false }]);
    for (const bad of ['after=-1', 'before=0', 'after=1&before=5', 'page=1&after=2', 'after=x']) {
      expect((await api('GET', `/messages/conversation/${conversationId}?${bad}`)).status).toBe(400);
    }
  });

  it('recovers missed events and its rooms with Socket.IO connection state recovery', async () => {
    const first = await api('POST', '/messages/send', { body: { chatbotId, externalUserId: 'flaky-net', content: 'hello', channel: 'WIDGET' } });
    const conversationId = first.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);

    const socket = io(`${app.url}/messages`, { auth: { token }, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 });
    const events: { event: string; payload: any }[] = [];
    socket.onAny((event, payload) => events.push({ event, payload }));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await waitFor(() => events.some((e) => e.event === 'ready'), 5000, 'ready');
    await socket.timeout(5000).emitWithAck('subscribe', { conversationId });

    // The network drops (not a clean disconnect): the client reconnects by itself.
    llm.script({ kind: 'reply', text: 'while you were away', firstTokenDelayMs: 300 });
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.engine.close();
    await api('POST', '/messages/send', { body: { chatbotId, conversationId, externalUserId: 'flaky-net', content: 'are you there?', channel: 'WIDGET' } });
    await reconnected;
    expect(socket.recovered).toBe(true);

    const reply = await waitFor(() => events.find((e) => e.event === 'message' && e.payload.content === 'while you were away'), 20_000, 'the reply after recovery');
    expect(reply.payload.role).toBe('ASSISTANT');
    expect(events.some((e) => e.event === 'message' && e.payload.content === 'are you there?')).toBe(true);
    socket.close();
  });
});
