import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectSocket, messageFlow, settledHistory, startScenario, waitFor, type Scenario, type TestSocket } from '../support/harness.js';

let scenario: Scenario;
let socket: TestSocket | undefined;

beforeAll(async () => {
  scenario = await startScenario('handoff');
});
afterAll(async () => {
  socket?.close();
  await scenario?.stop();
});

const setStatus = (conversationId: string, status: 'OPEN' | 'HANDOFF') =>
  scenario.app.deps.orm.em.fork().execute('update conversation set status = ? where id = ?', [status, conversationId]);

describe('a conversation handed off to a human', () => {
  it('stores and shows the user’s messages but gets no bot reply, and is answered again once reopened', async () => {
    const { api, app, token, chatbotId, llm } = scenario;
    const send = async (content: string, conversationId?: string) => {
      const res = await api('POST', '/messages/send', { body: { chatbotId, externalUserId: 'needs-a-human', content, channel: 'WIDGET', conversationId } });
      expect(res.status).toBe(202);
      return res.body.data as { message: any; conversation: any };
    };

    const opened = await send('hello');
    const conversationId: string = opened.conversation.id;
    await settledHistory(api, conversationId, 2);
    await setStatus(conversationId, 'HANDOFF');
    socket = await connectSocket(app.url, token);
    expect(await socket.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true, data: { conversationId } });
    llm.reset();

    // Two messages while a human has the conversation, one after the other.
    const handedOff = [];
    for (const content of ['is a human there?', 'hello human']) {
      const sent = await send(content, conversationId);
      expect(sent.conversation).toMatchObject({ id: conversationId, status: 'HANDOFF' });
      const flow = await messageFlow(app, sent.message.id);
      expect(await flow.result()).toEqual({ status: 'SKIPPED', reason: expect.stringMatching(/hand/i) });
      handedOff.push(sent.message);
    }
    expect(llm.requests).toHaveLength(0);

    // A sentinel status change after both flows ended: once the socket has it, it has every event
    // the room got before it. The room saw the two user messages and nothing of a reply.
    expect(await socket.emitWithAck('message:read', { messageId: opened.message.id })).toEqual({ ok: true, data: { messageId: opened.message.id, status: 'READ' } });
    await socket.waitFor((e) => e.event === 'message:status' && e.payload.messageId === opened.message.id);
    expect(socket.events.filter((e) => e.event !== 'ready').map((e) => [e.event, e.payload])).toEqual([
      ['message', handedOff[0]],
      ['message', handedOff[1]],
      ['message:status', { messageId: opened.message.id, conversationId, status: 'READ' }],
    ]);
    const history = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
    expect(history.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'hello', 'READ'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
      [3, 'USER', 'is a human there?', 'SENT'],
      [4, 'USER', 'hello human', 'SENT'],
    ]);
    expect(history.slice(2)).toEqual(handedOff);

    // Back to the bot: the next message is answered, seeing what was said meanwhile.
    await setStatus(conversationId, 'OPEN');
    const back = await send('bot, are you back?', conversationId);
    expect(back.conversation).toMatchObject({ id: conversationId, status: 'OPEN' });
    const result = await (await messageFlow(app, back.message.id)).result();
    const answered = await settledHistory(api, conversationId, 6);
    expect(result).toEqual({ status: 'REPLIED', replyId: answered[5].id, route: { myTurn: true, responder: 'LLM' } });
    expect(answered.slice(4).map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [5, 'USER', 'bot, are you back?', 'SENT'],
      [6, 'ASSISTANT', 'Echo: bot, are you back?', 'SENT'],
    ]);
    expect(llm.requests.map((r) => r.messages.map((m) => [m.role, m.content]))).toEqual([
      [
        ['system', 'You are a helpful bot.'],
        ['user', 'hello'],
        ['assistant', 'Echo: hello'],
        ['user', 'is a human there?'],
        ['user', 'hello human'],
        ['user', 'bot, are you back?'],
      ],
    ]);
    await waitFor(() => socket!.events.find((e) => e.event === 'message:status' && e.payload.messageId === answered[5].id && e.payload.status === 'SENT'), 20_000, 'the reply’s SENT');
  });
});
