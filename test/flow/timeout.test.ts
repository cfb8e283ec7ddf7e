import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import proto from '@temporalio/proto';
import {
  connectSocket,
  messageFlow,
  settledHistory,
  startScenario,
  type Scenario,
  type TestSocket,
} from '../support/harness.js';

let scenario: Scenario;
let socket: TestSocket | undefined;

beforeAll(async () => {
  scenario = await startScenario('timeout', { LLM_TIMEOUT_MS: '1500' });
});
afterAll(async () => {
  socket?.close();
  await scenario?.stop();
});

const { EventType } = proto.temporal.api.enums.v1;

describe('an LLM call that times out', () => {
  it('is retried by Temporal and answered exactly once', async () => {
    const { api, app, token, chatbotId, llm } = scenario;
    const first = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: 'patient', content: 'hi', channel: 'WIDGET' },
    });
    const conversationId: string = first.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);
    socket = await connectSocket(app.url, token);
    await socket.emitWithAck('subscribe', { conversationId });

    // The first call never answers (the client gives up after LLM_TIMEOUT_MS); the second does.
    llm.reset();
    llm.script({ kind: 'hang' }, { kind: 'reply' });
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId, conversationId, externalUserId: 'patient', content: 'are you slow?', channel: 'WIDGET' },
    });
    expect(sent.status).toBe(202);
    const handle = await messageFlow(app, sent.body.data.message.id);
    const result = await handle.result();

    const history = await settledHistory(api, conversationId, 4);
    expect(history.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'hi', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hi', 'SENT'],
      [3, 'USER', 'are you slow?', 'SENT'],
      [4, 'ASSISTANT', 'Echo: are you slow?', 'SENT'],
    ]);
    const reply = history[3];
    expect(result).toEqual({ status: 'REPLIED', replyId: reply.id, route: { myTurn: true, responder: 'LLM' } });
    expect(llm.requests.map((r) => r.messages.at(-1))).toEqual([
      { role: 'user', content: 'are you slow?' },
      { role: 'user', content: 'are you slow?' },
    ]);

    // Ops see it in the flow: generate was scheduled once, its attempt 2 is the one that ran to
    // completion, and it records why attempt 1 failed.
    const events = (await handle.fetchHistory()).events!;
    const generate = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generate');
    expect(generate).toHaveLength(1);
    const started = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([2]);
    const lastFailure = started[0].activityTaskStartedEventAttributes!.lastFailure!;
    expect(lastFailure.applicationFailureInfo?.type).toBe('LlmUnavailable');
    // Not the wording: under jest's VM realm the SDK cannot tell its own abort from a connection
    // error ("Connection error." instead of "Request timed out."). That it was the timeout shows in
    // when the retry came: not before the first call had been given LLM_TIMEOUT_MS.
    expect(lastFailure.message).toMatch(/^LLM unreachable: /);
    expect(llm.requests[1].receivedAt - llm.requests[0].receivedAt).toBeGreaterThanOrEqual(1500);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toHaveLength(1);

    // Live clients saw the typing of both attempts and the deltas of the second only; one reply.
    await socket.waitFor(
      (e) => e.event === 'message:status' && e.payload.messageId === reply.id && e.payload.status === 'SENT',
    );
    const seen = socket.events.filter((e) => e.event !== 'ready');
    expect(seen.filter((e) => e.event === 'typing').map((e) => e.payload.isTyping)).toEqual([true, false, true, false]);
    const deltas = seen.filter((e) => e.event === 'message:delta').map((e) => e.payload);
    expect(new Set(deltas.map((d) => d.attempt))).toEqual(new Set([2]));
    expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((d) => d.delta).join('')).toBe('Echo: are you slow?');
    const messages = new Map(seen.filter((e) => e.event === 'message').map((e) => [e.payload.id, e.payload]));
    expect([...messages.values()].map((m) => [m.id, m.role, m.content])).toEqual([
      [sent.body.data.message.id, 'USER', 'are you slow?'],
      [reply.id, 'ASSISTANT', 'Echo: are you slow?'],
    ]);
    // (The first reply's own SENT may reach the socket after it subscribed: leave it out.)
    expect(
      seen.filter((e) => e.event === 'message:status' && e.payload.messageId !== history[1].id).map((e) => e.payload),
    ).toEqual([{ messageId: reply.id, conversationId, status: 'SENT' }]);
  });
});
