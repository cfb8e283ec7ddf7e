import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { testEnv } from '../support/env.js';
import { connectSocket, startScenario, type Scenario } from '../support/harness.js';

let scenario: Scenario;

beforeAll(async () => {
  scenario = await startScenario('expiry');
});
afterAll(async () => {
  await scenario?.stop();
});

describe('a socket lives no longer than its token', () => {
  it('is told and disconnected at exp, and cannot come back with that token', async () => {
    const { app, api, chatbotId } = scenario;
    const customerId = (jwt.decode(scenario.token) as { sub: string }).sub;
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId, externalUserId: 'u', content: 'hi', channel: 'WIDGET' },
    });
    const conversationId = sent.body.data.conversation.id;
    const exp = Math.floor(Date.now() / 1000) + 3;
    const shortLived = jwt.sign({ sub: customerId, exp }, testEnv().jwtSecret);

    const socket = await connectSocket(app.url, shortLived);
    expect(await socket.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true, data: { conversationId } });
    const disconnected = new Promise<{ reason: string; at: number }>((resolve) =>
      socket.socket.once('disconnect', (reason) => resolve({ reason, at: Date.now() })),
    );

    const expired = await socket.waitFor((e) => e.event === 'session:expired', 10_000);
    expect(expired.payload).toEqual({ expiredAt: new Date(exp * 1000).toISOString() });
    const { reason, at } = await disconnected;
    expect(reason).toBe('io server disconnect');
    expect(at).toBeGreaterThanOrEqual(exp * 1000); // not a moment before the token's end

    await expect(connectSocket(app.url, shortLived)).rejects.toThrow('unauthorized');
  });

  it('keeps a socket whose token has no exp', async () => {
    const socket = await connectSocket(scenario.app.url, scenario.token);
    try {
      expect(await socket.emitWithAck('unsubscribe', { conversationId: crypto.randomUUID() })).toMatchObject({
        ok: true,
      });
      expect(socket.events.filter((e) => e.event === 'session:expired')).toEqual([]);
    } finally {
      socket.close();
    }
  });
});
