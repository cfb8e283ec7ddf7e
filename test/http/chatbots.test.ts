import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiClient,
  createChatbot,
  settledHistory,
  startTestApp,
  tokenFor,
  type Api,
  type TestApp,
} from '../support/harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('GET /chatbots is paged like every list', () => {
  it('pages the caller’s chatbots oldest first with page meta', async () => {
    const api = apiClient(app.url, tokenFor(`chatbots-${crypto.randomUUID()}`));
    const created = [];
    for (let i = 1; i <= 5; i++)
      created.push(await createChatbot(api, { name: `bot ${i}`, maxTokens: i === 1 ? 256 : null }));
    const page = async (query: string) => {
      const res = await api('GET', `/chatbots${query}`);
      expect(res.status).toBe(200);
      return [res.body.data.map((c: any) => c.name), res.body.meta];
    };
    expect(await page('')).toEqual([
      ['bot 1', 'bot 2', 'bot 3', 'bot 4', 'bot 5'],
      { page: 1, limit: 50, total: 5, totalPages: 1 },
    ]);
    expect(await page('?limit=2')).toEqual([['bot 1', 'bot 2'], { page: 1, limit: 2, total: 5, totalPages: 3 }]);
    expect(await page('?limit=2&page=3')).toEqual([['bot 5'], { page: 3, limit: 2, total: 5, totalPages: 3 }]);
    expect(await page('?limit=2&page=4')).toEqual([[], { page: 4, limit: 2, total: 5, totalPages: 3 }]);
    const first = (await api('GET', '/chatbots?limit=1')).body.data[0];
    expect(first).toEqual({ ...created[0], maxTokens: 256 });
    expect((await api('GET', `/chatbots/${created[1].id}`)).body.data.maxTokens).toBeNull();
  });
});

const PROBLEM = 'application/problem+json';

/** A 400 problem naming these fields (each once). */
async function expectInvalid(api: Api, method: string, path: string, body: unknown, errorPaths: string[]) {
  const res = await api(method, path, { body });
  expect({
    body,
    status: res.status,
    contentType: res.contentType,
    errorPaths: [...new Set(res.body.errors?.map((e: any) => e.path))],
  }).toEqual({
    body,
    status: 400,
    contentType: expect.stringContaining(PROBLEM),
    errorPaths,
  });
}

const NOT_FOUND = {
  status: 404,
  contentType: expect.stringContaining(PROBLEM),
  body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Chatbot not found' },
};

describe('PATCH /chatbots/:id', () => {
  it('changes only the fields it names, moves updatedAt, and refuses unknown fields, an empty body and other customers', async () => {
    const api = apiClient(app.url, tokenFor(`patch-${crypto.randomUUID()}`));
    const created = await createChatbot(api, {
      model: 'gpt-4o',
      temperature: 0.7,
      maxTokens: 300,
      fallbackReply: 'Sorry, try later.',
    });
    const read = async () => (await api('GET', `/chatbots/${created.id}`)).body.data;
    expect(await read()).toEqual(created);

    const patched = await api('PATCH', `/chatbots/${created.id}`, { body: { name: 'Renamed bot', temperature: 0.2 } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toEqual({
      ...created,
      name: 'Renamed bot',
      temperature: 0.2,
      updatedAt: expect.any(String),
    });
    expect(Date.parse(patched.body.data.updatedAt)).toBeGreaterThan(
      Date.parse((created as { updatedAt?: string }).updatedAt!),
    );
    expect(await read()).toEqual(patched.body.data);

    // null clears a nullable field, and only that one.
    const cleared = await api('PATCH', `/chatbots/${created.id}`, { body: { model: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toEqual({ ...patched.body.data, model: null, updatedAt: expect.any(String) });
    const current = await read();
    expect(current).toEqual(cleared.body.data);

    const path = `/chatbots/${created.id}`;
    await expectInvalid(api, 'PATCH', path, { name: 'x', colour: 'blue' }, ['']);
    for (const owned of [
      { customerId: 'someone-else' },
      { id: crypto.randomUUID() },
      { deletedAt: null },
      { createdAt: '2020-01-01T00:00:00.000Z' },
    ]) {
      await expectInvalid(api, 'PATCH', path, owned, ['']);
    }
    await expectInvalid(api, 'PATCH', path, {}, ['']);
    await expectInvalid(api, 'PATCH', path, { temperature: 3 }, ['temperature']);
    await expectInvalid(api, 'PATCH', path, { name: '   ' }, ['name']);
    await expectInvalid(api, 'PATCH', '/chatbots/not-a-uuid', { name: 'x' }, ['id']);

    const mallory = apiClient(app.url, tokenFor(`mallory-${crypto.randomUUID()}`));
    expect(await mallory('PATCH', path, { body: { name: 'Mine now' } })).toMatchObject(NOT_FOUND);
    expect(await mallory('GET', path)).toMatchObject(NOT_FOUND);
    expect(await mallory('DELETE', path)).toMatchObject(NOT_FOUND);
    expect(await api('PATCH', `/chatbots/${crypto.randomUUID()}`, { body: { name: 'x' } })).toMatchObject(NOT_FOUND);
    expect(await read()).toEqual(current);
  });
});

describe('DELETE /chatbots/:id', () => {
  it('removes the bot from every chatbot route and from sending, while its conversation’s history stays readable', async () => {
    const api = apiClient(app.url, tokenFor(`delete-${crypto.randomUUID()}`));
    const kept = await createChatbot(api, { name: 'kept' });
    const doomed = await createChatbot(api, { name: 'doomed' });
    const send = (body: Record<string, unknown>) =>
      api('POST', '/messages/send', {
        body: { chatbotId: doomed.id, externalUserId: 'u1', content: 'hello', channel: 'WIDGET', ...body },
      });
    const first = await send({});
    expect(first.status).toBe(202);
    const conversationId = first.body.data.conversation.id;
    const before = await settledHistory(api, conversationId, 2);
    expect(before.map((m) => [m.seq, m.role, m.content, m.deliveryStatus])).toEqual([
      [1, 'USER', 'hello', 'SENT'],
      [2, 'ASSISTANT', 'Echo: hello', 'SENT'],
    ]);

    const deleted = await api('DELETE', `/chatbots/${doomed.id}`);
    expect({ status: deleted.status, body: deleted.body }).toEqual({ status: 204, body: undefined });
    expect(await api('GET', `/chatbots/${doomed.id}`)).toMatchObject(NOT_FOUND);
    expect(await api('PATCH', `/chatbots/${doomed.id}`, { body: { name: 'back' } })).toMatchObject(NOT_FOUND);
    expect(await api('DELETE', `/chatbots/${doomed.id}`)).toMatchObject(NOT_FOUND);
    const list = await api('GET', '/chatbots');
    expect([list.status, list.body.data.map((c: any) => c.id), list.body.meta]).toEqual([
      200,
      [kept.id],
      { page: 1, limit: 50, total: 1, totalPages: 1 },
    ]);

    for (const body of [{ externalUserId: 'someone-new' }, { conversationId }]) {
      expect(await send(body)).toMatchObject(NOT_FOUND);
    }
    const history = await api('GET', `/messages/conversation/${conversationId}`);
    expect(history.status).toBe(200);
    expect(history.body.data).toEqual(before);
    expect((await api('GET', `/conversations/${conversationId}`)).status).toBe(200);
  });
});
