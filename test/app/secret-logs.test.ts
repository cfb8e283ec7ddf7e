import { afterAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { startFakeGraphApi } from '../support/fake-graph-api.js';
import { startFakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, settledHistory, tokenFor, waitFor } from '../support/harness.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { testEnv } from '../support/env.js';

const SECRETS = {
  webhook: 'whsec-never-print-me-0123456789',
  accessToken: 'EAAG-never-print-me-access-token',
  appSecret: 'never-print-me-app-secret',
  verifyToken: 'never-print-me-verify',
};
let app: AppProcess | undefined;
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  app?.child.kill('SIGKILL');
  for (const close of closers) await close();
});

describe('channel secrets', () => {
  it('appear in no response body and in no log line, at debug level, through successes and failures', async () => {
    const [llm, graph, receiver] = await Promise.all([
      startFakeLlm(),
      startFakeGraphApi(),
      startWebhookReceiver(SECRETS.webhook),
    ]);
    closers.push(
      () => llm.close(),
      () => graph.close(),
      () => receiver.close(),
    );
    app = await startAppProcess({
      ...splitRoleEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'chatflow-secret-logs-')) }),
      OPENAI_BASE_URL: llm.url,
      GRAPH_API_BASE_URL: graph.baseUrl,
      LOG_LEVEL: 'debug',
    });
    const api = apiClient(app.url, tokenFor(`secret-logs-${crypto.randomUUID()}`, {}, testEnv().jwtSecret));
    const whatsapp = {
      phoneNumberId: '106540352242922',
      accessToken: SECRETS.accessToken,
      appSecret: SECRETS.appSecret,
      verifyToken: SECRETS.verifyToken,
    };
    const bot = await createChatbot(api, { webhook: { url: receiver.url, secret: SECRETS.webhook }, whatsapp });
    const bodies: unknown[] = [bot];

    // A webhook refused (410) and a WhatsApp error (131047): both end FAILED, both are logged.
    receiver.answer(410);
    graph.fail(400, 131047, 'Re-engagement message');
    for (const [channel, externalUserId] of [
      ['WEBHOOK', 'crm-1'],
      ['WHATSAPP', '56911112222'],
    ]) {
      const sent = await api('POST', '/messages/send', {
        body: { chatbotId: bot.id, externalUserId, content: 'hello', channel },
      });
      bodies.push(sent.body);
      const conversationId = sent.body.data.conversation.id;
      await waitFor(
        async () => (await settledHistory(api, conversationId, 2))[1].deliveryStatus === 'FAILED',
        20_000,
        `${channel} FAILED`,
      );
      bodies.push((await api('GET', `/messages/conversation/${conversationId}`)).body);
    }
    // Meta's side: a wrong verify token, a forged signature, then a good notification.
    const hook = `${app.url}/webhooks/whatsapp/${bot.id}`;
    bodies.push(await (await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).text());
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: whatsapp.phoneNumberId },
                messages: [{ from: '56933334444', id: 'wamid.logs1', type: 'text', text: { body: 'hi' } }],
              },
            },
          ],
        },
      ],
    });
    bodies.push(
      await (
        await fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
          body: raw,
        })
      ).text(),
    );
    const good = await fetch(hook, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.appSecret).update(raw).digest('hex')}`,
      },
      body: raw,
    });
    expect(good.status).toBe(200);
    await waitFor(
      () => graph.requests.some((r) => r.body.to === '56933334444'),
      20_000,
      'the inbound message answered',
    );
    // Bad input that names the settings: a 400 says which field, never the value.
    bodies.push(
      (await api('PATCH', `/chatbots/${bot.id}`, { body: { whatsapp: { ...whatsapp, phoneNumberId: 'x' } } })).body,
    );
    bodies.push((await api('GET', `/chatbots/${bot.id}`)).body, (await api('GET', '/chatbots')).body);

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    const output = app.output();
    expect(output).toMatch(/reply failed/); // the failures were logged…
    const leaks = Object.entries(SECRETS).filter(
      ([, secret]) => output.includes(secret) || JSON.stringify(bodies).includes(secret),
    );
    expect(leaks).toEqual([]); // …without a secret
    app = undefined;
  }, 120_000);
});
