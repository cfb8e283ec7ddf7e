import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { testEnv } from '../support/env.js';
import { apiClient, connectSocket, startTestApp, tokenFor, type TestApp } from '../support/harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('authentication', () => {
  it('serves /health without a token', async () => {
    const res = await apiClient(app.url)('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  const badTokens: [string, string | null][] = [
    ['no token', null],
    ['a malformed token', 'not-a-jwt'],
    ['a token signed with another secret', jwt.sign({ sub: 'c1' }, 'other-secret')],
    ['an expired token', tokenFor('c1', { expiresIn: -10 })],
    ['a token without sub', jwt.sign({ name: 'x' }, testEnv().jwtSecret)],
    ['a token with a non-HS256 algorithm', jwt.sign({ sub: 'c1' }, testEnv().jwtSecret, { algorithm: 'HS512' })],
  ];

  it.each(badTokens)('answers 401 problem+json for %s on every protected endpoint', async (_, token) => {
    const api = apiClient(app.url);
    for (const [method, path] of [
      ['GET', '/chatbots'],
      ['POST', '/chatbots'],
      ['GET', `/chatbots/${crypto.randomUUID()}`],
      ['POST', '/messages/send'],
      ['GET', `/messages/${crypto.randomUUID()}`],
      ['GET', `/messages/conversation/${crypto.randomUUID()}`],
    ] as const) {
      const res = await api(method, path, { token, body: method === 'POST' ? {} : undefined });
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('accepts a valid token and honours a future exp', async () => {
    const res = await apiClient(app.url, tokenFor('c1', { expiresIn: 60 }))('GET', '/chatbots');
    expect(res.status).toBe(200);
  });

  it.each(badTokens)('refuses the Socket.IO handshake for %s', async (_, token) => {
    await expect(connectSocket(app.url, token ?? undefined)).rejects.toThrow('unauthorized');
  });

  it('lets a valid token connect to /messages', async () => {
    const socket = await connectSocket(app.url, tokenFor('c1'));
    expect(socket.socket.connected).toBe(true);
    socket.close();
  });
});
