import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { messageFlow, settledHistory, startScenario, waitFor, type Scenario } from '../support/harness.js';
import { startFakeGraphApi } from '../support/fake-graph-api.js';

const WHATSAPP = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAG-test-access-token-0123456789',
  appSecret: 'app-secret-0123456789',
  verifyToken: 'verify-me-please',
};
let scenario: Scenario;
let graph: Awaited<ReturnType<typeof startFakeGraphApi>>;

beforeAll(async () => {
  graph = await startFakeGraphApi();
  scenario = await startScenario('whatsapp', { GRAPH_API_BASE_URL: graph.baseUrl }, { whatsapp: WHATSAPP });
});
afterAll(async () => {
  await scenario?.stop();
  await graph?.close();
});

const phone = () => `569${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;

async function chat(content: string, externalUserId = phone()) {
  const sent = await scenario.api('POST', '/messages/send', {
    body: { chatbotId: scenario.chatbotId, externalUserId, content, channel: 'WHATSAPP' },
  });
  expect(sent.status).toBe(202);
  const flow = await messageFlow(scenario.app, sent.body.data.message.id);
  return { ...sent.body.data, externalUserId, flow, conversationId: sent.body.data.conversation.id as string };
}

const textTo = (to: string, body: string) => ({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to,
  type: 'text',
  text: { preview_url: false, body },
});

describe('the WHATSAPP channel, outbound', () => {
  it('sends the bot’s reply as a Cloud API text message, keeps its wamid, and marks it SENT', async () => {
    graph.requests.length = 0;
    const { conversationId, externalUserId, flow, message, conversation } = await chat('hola');
    expect(conversation.windowExpiresAt).toBe(new Date(Date.parse(message.createdAt) + 24 * 3600_000).toISOString());
    await flow.result();
    const [, reply] = await settledHistory(scenario.api, conversationId, 2);
    expect(graph.requests).toEqual([
      {
        method: 'POST',
        path: `/v23.0/${WHATSAPP.phoneNumberId}/messages`,
        authorization: `Bearer ${WHATSAPP.accessToken}`,
        body: textTo(externalUserId, 'Echo: hola'),
      },
    ]);
    expect(reply).toMatchObject({
      role: 'ASSISTANT',
      deliveryStatus: 'SENT',
      metadata: { model: expect.any(String), externalId: expect.stringMatching(/^wamid\./) },
    });
    expect((await scenario.api('GET', `/conversations/${conversationId}`)).body.data.windowExpiresAt).toBe(
      conversation.windowExpiresAt,
    );
  });

  it('sends an agent’s message the same way', async () => {
    const { conversationId, externalUserId, flow } = await chat('I need a person');
    await flow.result();
    graph.requests.length = 0;
    const agent = (
      await scenario.api('POST', `/conversations/${conversationId}/messages`, { body: { content: 'Hola, soy Ana.' } })
    ).body.data.message;
    expect(await (await messageFlow(scenario.app, agent.id)).result()).toEqual({
      status: 'DELIVERED',
      messageId: agent.id,
    });
    expect(graph.requests.map((r) => r.body)).toEqual([textTo(externalUserId, 'Hola, soy Ana.')]);
    const stored = (await scenario.api('GET', `/messages/${agent.id}`)).body.data;
    expect(stored).toMatchObject({
      deliveryStatus: 'SENT',
      metadata: { externalId: expect.stringMatching(/^wamid\./) },
    });
  });

  it('fails at once on 131047 with Meta’s code and reason, calling Meta once', async () => {
    graph.requests.length = 0;
    graph.fail(
      400,
      131047,
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    );
    const { conversationId, flow } = await chat('are you there?');
    await flow.result().catch(() => undefined);
    const [, reply] = await settledHistory(scenario.api, conversationId, 2);
    expect(reply).toMatchObject({ content: 'Echo: are you there?', deliveryStatus: 'FAILED' });
    expect(reply.metadata.error).toEqual({
      type: 'ChannelRejected',
      message: 'The reply could not be sent: the channel refused it.',
      detail:
        'WhatsApp error 131047: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    });
    expect(graph.requests).toHaveLength(1);
  });

  it('retries 130429 (throughput) and then sends', async () => {
    graph.requests.length = 0;
    graph.fail(400, 130429, 'Rate limit hit');
    const { conversationId, flow } = await chat('busy day');
    await flow.result();
    const [, reply] = await settledHistory(scenario.api, conversationId, 2);
    expect(reply.deliveryStatus).toBe('SENT');
    expect(graph.requests.map((r) => r.body.text.body)).toEqual(['Echo: busy day', 'Echo: busy day']);
  });

  it('outside the 24-hour window fails as OutsideCustomerServiceWindow without calling Meta', async () => {
    const { conversationId, flow } = await chat('hello');
    await flow.result();
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    await scenario.app.deps.orm.em
      .fork()
      .execute('update conversation set last_inbound_at = ? where id = ?', [dayAgo, conversationId]);
    expect((await scenario.api('GET', `/conversations/${conversationId}`)).body.data.windowExpiresAt).toBe(
      new Date(dayAgo.getTime() + 24 * 3600_000).toISOString(),
    );
    graph.requests.length = 0;
    const agent = (
      await scenario.api('POST', `/conversations/${conversationId}/messages`, {
        body: { content: 'Following up on your order.' },
      })
    ).body.data.message;
    await (await messageFlow(scenario.app, agent.id)).result().catch(() => undefined);
    const stored = await waitFor(
      async () => {
        const m = (await scenario.api('GET', `/messages/${agent.id}`)).body.data;
        return m.deliveryStatus === 'FAILED' && m;
      },
      10_000,
      'FAILED',
    );
    expect(stored.metadata.error).toEqual({
      type: 'OutsideCustomerServiceWindow',
      message:
        'The reply could not be sent: the user last wrote more than 24 hours ago, and WhatsApp then accepts only template messages.',
    });
    expect(graph.requests).toHaveLength(0);
  });
});

describe('WhatsApp settings are write-only', () => {
  it('never returns the access token, app secret or verify token', async () => {
    const bot = await scenario.api('GET', `/chatbots/${scenario.chatbotId}`);
    expect(bot.body.data.whatsapp).toEqual({ phoneNumberId: WHATSAPP.phoneNumberId, secretsSet: true });
    const everything = JSON.stringify([bot.body, (await scenario.api('GET', '/chatbots')).body]);
    for (const secret of [WHATSAPP.accessToken, WHATSAPP.appSecret, WHATSAPP.verifyToken])
      expect(everything).not.toContain(secret);
    const bad = await scenario.api('PATCH', `/chatbots/${scenario.chatbotId}`, {
      body: { whatsapp: { ...WHATSAPP, phoneNumberId: '+56 9 1234' } },
    });
    expect(bad.status).toBe(400);
  });
});
