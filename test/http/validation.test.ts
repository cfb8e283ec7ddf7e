import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiClient, createChatbot, startTestApp, tokenFor, type Api, type TestApp } from '../support/harness.js';

let app: TestApp;
let api: Api;
let chatbotId: string;
let conversationId: string;

beforeAll(async () => {
  app = await startTestApp({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  api = apiClient(app.url, tokenFor(`validation-${crypto.randomUUID()}`));
  chatbotId = (await createChatbot(api)).id;
  const sent = await api('POST', '/messages/send', { body: validSend() });
  conversationId = sent.body.data.conversation.id;
});
afterAll(async () => {
  await app?.stop();
});

function validSend(overrides: Record<string, unknown> = {}) {
  return { chatbotId, externalUserId: 'user-1', content: 'hello', channel: 'WIDGET', ...overrides };
}

/** Counts every message of this customer's conversation, to show that bad input stored nothing. */
async function storedMessages(): Promise<number> {
  const res = await api('GET', `/messages/conversation/${conversationId}`);
  return res.body.meta.total;
}

function expectProblem(res: { status: number; contentType: string | null; body: any }, status: number, path?: string) {
  expect(res.status).toBe(status);
  expect(res.contentType).toContain('application/problem+json');
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|select |insert /i);
  if (path !== undefined) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
}

describe('POST /messages/send rejects bad input with 400 and stores nothing', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['missing content', { content: undefined }, 'content'],
    ['empty content', { content: '' }, 'content'],
    ['blank content', { content: '   \n ' }, 'content'],
    ['content over 8000 characters', { content: 'x'.repeat(8001) }, 'content'],
    ['content of the wrong type', { content: 42 }, 'content'],
    ['an unknown channel', { channel: 'SMS' }, 'channel'],
    ['a lowercase channel', { channel: 'widget' }, 'channel'],
    ['a chatbotId that is not a UUID', { chatbotId: 'bot-1' }, 'chatbotId'],
    ['a conversationId that is not a UUID', { conversationId: '123' }, 'conversationId'],
    ['an empty externalUserId', { externalUserId: '' }, 'externalUserId'],
    ['an externalUserId over 255 characters', { externalUserId: 'u'.repeat(256) }, 'externalUserId'],
    ['metadata that is an array', { metadata: [1, 2] }, 'metadata'],
    ['metadata that is a string', { metadata: 'x' }, 'metadata'],
    ['metadata over 16 KiB', { metadata: { blob: 'x'.repeat(16 * 1024) } }, 'metadata'],
    ['an unknown field', { priority: 'high' }, ''],
  ];

  it.each(cases)('%s', async (_, overrides, path) => {
    const before = await storedMessages();
    const res = await api('POST', '/messages/send', { body: validSend(overrides) });
    expectProblem(res, 400, path);
    expect(await storedMessages()).toBe(before);
  });

  it('malformed JSON', async () => {
    const res = await api('POST', '/messages/send', { rawBody: '{"chatbotId": ' });
    expectProblem(res, 400);
  });

  it('a JSON body that is not an object', async () => {
    expectProblem(await api('POST', '/messages/send', { rawBody: '[1,2,3]' }), 400);
    expectProblem(await api('POST', '/messages/send', { rawBody: 'null' }), 400);
  });

  it('answers 413 for a body over 64 KiB and stores nothing', async () => {
    const before = await storedMessages();
    const res = await api('POST', '/messages/send', { body: validSend({ content: 'x'.repeat(70 * 1024) }) });
    expectProblem(res, 413);
    expect(await storedMessages()).toBe(before);
  });

  it('accepts metadata just under 16 KiB', async () => {
    const res = await api('POST', '/messages/send', { body: validSend({ metadata: { blob: 'x'.repeat(16 * 1024 - 20) } }) });
    expect(res.status).toBe(202);
    expect(res.body.data.message.metadata.blob).toHaveLength(16 * 1024 - 20);
  });
});

describe('other endpoints validate their input', () => {
  it.each([
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=1.5', 'page'],
    ['page=abc', 'page'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=', 'limit'],
    ['page=1&page=2', 'page'],
    ['sort=desc', ''],
  ])('history with %s is 400', async (query, path) => {
    expectProblem(await api('GET', `/messages/conversation/${conversationId}?${query}`), 400, path);
  });

  it('ids that are not UUIDs are 400', async () => {
    expectProblem(await api('GET', '/messages/conversation/not-a-uuid'), 400, 'conversationId');
    expectProblem(await api('GET', '/messages/42'), 400, 'id');
    expectProblem(await api('GET', '/chatbots/42'), 400, 'id');
  });

  it.each([
    ['no name', {}, 'name'],
    ['a blank name', { name: '  ' }, 'name'],
    ['a temperature above 2', { name: 'b', temperature: 3 }, 'temperature'],
    ['a temperature that is a string', { name: 'b', temperature: '0.5' }, 'temperature'],
    ['a system prompt over 8000 characters', { name: 'b', systemPrompt: 'x'.repeat(8001) }, 'systemPrompt'],
  ])('POST /chatbots with %s is 400 and creates nothing', async (_, body, path) => {
    const before = (await api('GET', '/chatbots')).body.data.length;
    expectProblem(await api('POST', '/chatbots', { body }), 400, path);
    expect((await api('GET', '/chatbots')).body.data.length).toBe(before);
  });

  it('an unknown path is a 404 problem', async () => {
    expectProblem(await api('GET', '/nope'), 404);
  });
});
