import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import { connectSocket, messageFlow, startScenario, type Scenario } from '../support/harness.js';

let scenario: Scenario;

beforeAll(async () => {
  scenario = await startScenario('channels');
});
afterAll(async () => {
  await scenario?.stop();
});

const CHANNEL_NOT_CONFIGURED = {
  type: 'ChannelNotConfigured',
  message: 'The reply could not be sent: this conversation’s channel has no delivery set up.',
};

describe('a reply is never SENT without a delivery', () => {
  it.each(['WHATSAPP', 'WEBHOOK'])(
    'fails a %s reply as ChannelNotConfigured, keeping its text, and lets the next message go',
    async (channel) => {
      const { api, app, token, chatbotId, llm } = scenario;
      llm.reset();
      const externalUserId = `${channel}-${crypto.randomUUID()}`;
      const first = await api('POST', '/messages/send', {
        body: { chatbotId, externalUserId, content: 'hello there', channel },
      });
      expect(first.status).toBe(202);
      const conversationId = first.body.data.conversation.id;
      const socket = await connectSocket(app.url, token);
      try {
        await socket.emitWithAck('subscribe', { conversationId });
        const handle = await messageFlow(app, first.body.data.message.id);
        const failure = await handle.result().catch((err: unknown) => err);
        // Ops see it in the workflow: failed, with the channel's failure type.
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        const cause = (failure as WorkflowFailedError).cause as any;
        expect(cause.type).toBe('ReplyFailed');
        expect(cause.message).toContain('ChannelNotConfigured');
        expect(cause.message).toContain(channel);

        const second = await api('POST', '/messages/send', {
          body: { chatbotId, conversationId, externalUserId, content: 'still there?', channel },
        });
        const secondFlow = await messageFlow(app, second.body.data.message.id);
        await expect(secondFlow.result()).rejects.toBeInstanceOf(WorkflowFailedError);

        const rows = (await api('GET', `/messages/conversation/${conversationId}`)).body.data as any[];
        expect(rows.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
          [1, 'USER', 'hello there', 'SENT'],
          [2, 'ASSISTANT', 'Echo: hello there', 'FAILED'],
          [3, 'USER', 'still there?', 'SENT'],
          [4, 'ASSISTANT', 'Echo: still there?', 'FAILED'],
        ]);
        for (const reply of [rows[1], rows[3]])
          expect(reply.metadata).toEqual({ model: 'gpt-4o-mini', error: CHANNEL_NOT_CONFIGURED });
        expect(llm.requests.filter((r) => r.messages.at(-1)!.content === 'still there?')).toHaveLength(1);

        // The room saw the second reply once, with its text, then FAILED; no reply was ever SENT.
        const second_ = socket.events
          .filter(
            (e) =>
              (e.event === 'message' && e.payload.id === rows[3].id) ||
              (e.event === 'message:status' && e.payload.messageId === rows[3].id),
          )
          .map((e) =>
            e.event === 'message'
              ? ['message', e.payload.deliveryStatus, e.payload.content]
              : [e.event, e.payload.status],
          );
        expect(second_).toEqual([
          ['message', 'PENDING', 'Echo: still there?'],
          ['message:status', 'FAILED'],
        ]);
        expect(socket.events.filter((e) => e.event === 'message:status' && e.payload.status === 'SENT')).toEqual([]);
        const deltas = socket.events.filter((e) => e.event === 'message:delta' && e.payload.messageId === rows[3].id);
        expect(deltas.map((e) => e.payload.delta).join('')).toBe('Echo: still there?');
      } finally {
        socket.close();
      }
    },
  );
});
