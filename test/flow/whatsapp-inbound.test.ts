import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import {
  connectSocket,
  messageFlow,
  settledHistory,
  startScenario,
  waitFor,
  type Scenario,
} from '../support/harness.js';
import { startFakeGraphApi } from '../support/fake-graph-api.js';

const WHATSAPP = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAG-inbound-access-token-0123456789',
  appSecret: 'inbound-app-secret-0123456789',
  verifyToken: 'inbound-verify-token',
};
let scenario: Scenario;
let graph: Awaited<ReturnType<typeof startFakeGraphApi>>;

beforeAll(async () => {
  graph = await startFakeGraphApi();
  scenario = await startScenario('wa-inbound', { GRAPH_API_BASE_URL: graph.baseUrl }, { whatsapp: WHATSAPP });
});
afterAll(async () => {
  await scenario?.stop();
  await graph?.close();
});

const hookUrl = () => `${scenario.app.url}/webhooks/whatsapp/${scenario.chatbotId}`;
const sign = (raw: string, secret = WHATSAPP.appSecret) =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
const phone = () => `569${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
const wamid = () => `wamid.HBgL${crypto.randomUUID().replaceAll('-', '')}`;

/** Meta's `whatsapp_business_account` notification around one change value. */
const notification = (value: Record<string, unknown>) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: WHATSAPP.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  });
const inbound = (from: string, id: string, message: Record<string, unknown>) =>
  notification({
    contacts: [{ profile: { name: 'Ana' }, wa_id: from }],
    messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
  });
const statusUpdate = (id: string, status: string, recipient: string, extra: Record<string, unknown> = {}) =>
  notification({
    statuses: [{ id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: recipient, ...extra }],
  });

const post = (raw: string, signature: string | null = sign(raw)) =>
  fetch(hookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature && { 'x-hub-signature-256': signature }) },
    body: raw,
  });

const conversationsOf = async (externalUserId: string) =>
  (await scenario.api('GET', `/conversations?externalUserId=${externalUserId}&chatbotId=${scenario.chatbotId}`)).body
    .data as any[];

describe('Meta’s verification handshake', () => {
  it('echoes hub.challenge for the right verify token only', async () => {
    const handshake = (token: string) =>
      fetch(`${hookUrl()}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`);
    const right = await handshake(WHATSAPP.verifyToken);
    expect({ status: right.status, type: right.headers.get('content-type'), body: await right.text() }).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: '1158201444',
    });
    expect((await handshake('not-the-token')).status).toBe(403);
    expect(
      (
        await fetch(
          `${scenario.app.url}/webhooks/whatsapp/${crypto.randomUUID()}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1`,
        )
      ).status,
    ).toBe(404);
  });
});

describe('inbound WhatsApp messages', () => {
  it('refuses a forged or missing signature, storing nothing', async () => {
    const from = phone();
    const raw = inbound(from, wamid(), { type: 'text', text: { body: 'forged' } });
    expect((await post(raw, sign(raw, 'someone-elses-app-secret'))).status).toBe(401);
    expect((await post(raw, null)).status).toBe(401);
    expect(await conversationsOf(from)).toEqual([]);
  });

  it('a message Meta delivers three times is one message, one flow and one reply', async () => {
    const from = phone();
    const id = wamid();
    const raw = inbound(from, id, { type: 'text', text: { body: '¿Tienen envío a Valparaíso?' } });
    graph.requests.length = 0;
    const answers = await Promise.all([post(raw), post(raw)]);
    answers.push(await post(raw));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const [conversation] = await waitFor(
      async () => (await conversationsOf(from)).length > 0 && conversationsOf(from),
      10_000,
      'the conversation',
    );
    expect(conversation).toMatchObject({ channel: 'WHATSAPP', externalUserId: from, status: 'OPEN' });
    const history = await settledHistory(scenario.api, conversation.id, 2);
    expect(history.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', '¿Tienen envío a Valparaíso?', 'SENT'],
      [2, 'ASSISTANT', 'Echo: ¿Tienen envío a Valparaíso?', 'SENT'],
    ]);
    expect(await (await messageFlow(scenario.app, history[0].id)).result()).toMatchObject({
      status: 'REPLIED',
      replyId: history[1].id,
    });
    // Meta saw it read, with a typing indicator, as the bot started on it; then the one reply.
    const bodies = graph.requests.map((r) => r.body);
    expect(bodies).toHaveLength(2);
    expect(bodies).toContainEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: id,
      typing_indicator: { type: 'text' },
    });
    expect(bodies).toContainEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      type: 'text',
      text: { preview_url: false, body: 'Echo: ¿Tienen envío a Valparaíso?' },
    });
    expect(conversation.windowExpiresAt).toBe(new Date(Date.parse(history[0].createdAt) + 24 * 3600_000).toISOString());
  });

  it('keeps an image with its type and media id, and answers it', async () => {
    const from = phone();
    await post(
      inbound(from, wamid(), {
        type: 'image',
        image: { id: '1479537139650973', mime_type: 'image/jpeg', sha256: 'abc', caption: 'my receipt' },
      }),
    );
    const [conversation] = await waitFor(
      async () => (await conversationsOf(from)).length > 0 && conversationsOf(from),
      10_000,
      'the conversation',
    );
    const [message, reply] = await settledHistory(scenario.api, conversation.id, 2);
    expect(message).toMatchObject({
      role: 'USER',
      content: '[image]',
      metadata: { whatsapp: { type: 'image', mediaId: '1479537139650973', caption: 'my receipt' } },
    });
    expect(reply).toMatchObject({ role: 'ASSISTANT', content: 'Echo: [image]' });
  });
});

describe('WhatsApp status updates', () => {
  it('move a reply forward only, whatever their order and however often they repeat, one event per change', async () => {
    const from = phone();
    await post(inbound(from, wamid(), { type: 'text', text: { body: 'hola' } }));
    const [conversation] = await waitFor(
      async () => (await conversationsOf(from)).length > 0 && conversationsOf(from),
      10_000,
      'the conversation',
    );
    const [, reply] = await settledHistory(scenario.api, conversation.id, 2);
    await waitFor(
      async () => (await scenario.api('GET', `/messages/${reply.id}`)).body.data.deliveryStatus === 'SENT',
      10_000,
      'SENT',
    );
    const wamidOfReply = (await scenario.api('GET', `/messages/${reply.id}`)).body.data.metadata.externalId;
    const socket = await connectSocket(scenario.app.url, scenario.token);
    try {
      await socket.emitWithAck('subscribe', { conversationId: conversation.id });
      for (const status of ['delivered', 'read', 'sent', 'delivered', 'read', 'sent'])
        expect((await post(statusUpdate(wamidOfReply, status, from))).status).toBe(200);
      expect((await scenario.api('GET', `/messages/${reply.id}`)).body.data.deliveryStatus).toBe('READ');
      // Sentinel: a receipt after the updates; once it is here, every earlier event is.
      const [first] = await settledHistory(scenario.api, conversation.id);
      await socket.emitWithAck('message:read', { messageId: first.id });
      await socket.waitFor((e) => e.event === 'message:status' && e.payload.messageId === first.id);
      expect(
        socket.events
          .filter((e) => e.event === 'message:status' && e.payload.messageId === reply.id)
          .map((e) => e.payload.status),
      ).toEqual(['DELIVERED', 'READ']);
    } finally {
      socket.close();
    }
  });

  it('a failed status ends the reply FAILED with Meta’s code and details', async () => {
    const from = phone();
    await post(inbound(from, wamid(), { type: 'text', text: { body: 'ping' } }));
    const [conversation] = await waitFor(
      async () => (await conversationsOf(from)).length > 0 && conversationsOf(from),
      10_000,
      'the conversation',
    );
    const [, reply] = await settledHistory(scenario.api, conversation.id, 2);
    const sent = await waitFor(
      async () => {
        const m = (await scenario.api('GET', `/messages/${reply.id}`)).body.data;
        return m.deliveryStatus === 'SENT' && m;
      },
      10_000,
      'SENT',
    );
    const errors = [
      {
        code: 131026,
        title: 'Message undeliverable',
        message: 'Message undeliverable',
        error_data: { details: 'Message Undeliverable.' },
      },
    ];
    expect((await post(statusUpdate(sent.metadata.externalId, 'failed', from, { errors }))).status).toBe(200);
    const failed = (await scenario.api('GET', `/messages/${reply.id}`)).body.data;
    expect(failed).toMatchObject({
      deliveryStatus: 'FAILED',
      metadata: {
        error: {
          type: 'ChannelRejected',
          message: 'The reply could not be sent: the channel refused it.',
          detail: 'WhatsApp error 131026: Message Undeliverable.',
        },
      },
    });

    // Its flow had completed (Meta reported the failure later): a retry still sends it again.
    const [userMessage] = await settledHistory(scenario.api, conversation.id, 2);
    const sentBefore = graph.requests.filter((r) => r.body.type === 'text' && r.body.to === from).length;
    expect((await scenario.api('POST', `/messages/${userMessage.id}/retry`)).status).toBe(202);
    const resent = await waitFor(
      async () => {
        const m = (await scenario.api('GET', `/messages/${reply.id}`)).body.data;
        return m.deliveryStatus === 'SENT' && m;
      },
      20_000,
      'the resent reply',
    );
    expect(resent.metadata.externalId).not.toBe(sent.metadata.externalId);
    expect(resent.metadata.previousError).toEqual(failed.metadata.error);
    expect(graph.requests.filter((r) => r.body.type === 'text' && r.body.to === from)).toHaveLength(sentBefore + 1);
  });
});
