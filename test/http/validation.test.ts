import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import {
  apiClient,
  createChatbot,
  settledHistory,
  startTestApp,
  tokenFor,
  type Api,
  type TestApp,
} from '../support/harness.js';

let db: ScratchDatabase;
let llm: FakeLlm;
let app: TestApp;
let api: Api;
let token: string;
let chatbotId: string;
let conversationId: string;

beforeAll(async () => {
  // A database of this suite's own: "stores nothing" is checked on every row of every table.
  db = await createScratchDatabase('validation');
  llm = await startFakeLlm();
  app = await startTestApp({ DATABASE_URL: db.url, OPENAI_BASE_URL: llm.url });
  token = tokenFor(`validation-${crypto.randomUUID()}`);
  api = apiClient(app.url, token);
  chatbotId = (await createChatbot(api)).id;
  const sent = await api('POST', '/messages/send', { body: validSend() });
  conversationId = sent.body.data.conversation.id;
  // The seed's flow is over before any count is taken: nothing writes in the background.
  await settledHistory(api, conversationId, 2);
});
afterAll(async () => {
  await app?.stop();
  await llm?.close();
  await db?.drop();
});

function validSend(overrides: Record<string, unknown> = {}) {
  return { chatbotId, externalUserId: 'user-1', content: 'hello', channel: 'WIDGET', ...overrides };
}

function expectProblem(res: { status: number; contentType: string | null; body: any }, status: number, path?: string) {
  expect(res.status).toBe(status);
  expect(res.contentType).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|select |insert |violates|constraint/i);
  if (path !== undefined) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
}

/** Runs a request that must be refused and shows that not one row of any table changed. */
async function refusedStoringNothing(request: () => Promise<any>, status: number, path?: string) {
  const before = await db.tableCounts();
  expectProblem(await request(), status, path);
  expect(await db.tableCounts()).toEqual(before);
}

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

describe('POST /messages/send rejects bad input with 400 and stores nothing', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['missing content', { content: undefined }, 'content'],
    ['empty content', { content: '' }, 'content'],
    ['blank content', { content: '   \n ' }, 'content'],
    ['content over 8000 characters', { content: 'x'.repeat(8001) }, 'content'],
    ['content of the wrong type', { content: 42 }, 'content'],
    ['a NUL character in content', { content: NUL }, 'content'],
    ['a lone surrogate in content', { content: LONE_SURROGATE }, 'content'],
    ['an unknown channel', { channel: 'SMS' }, 'channel'],
    ['a lowercase channel', { channel: 'widget' }, 'channel'],
    ['a chatbotId that is not a UUID', { chatbotId: 'bot-1' }, 'chatbotId'],
    ['a conversationId that is not a UUID', { conversationId: '123' }, 'conversationId'],
    ['an empty externalUserId', { externalUserId: '' }, 'externalUserId'],
    ['an externalUserId over 255 characters', { externalUserId: 'u'.repeat(256) }, 'externalUserId'],
    ['a NUL character in externalUserId (a new conversation key)', { externalUserId: NUL }, 'externalUserId'],
    ['a lone surrogate in externalUserId', { externalUserId: LONE_SURROGATE }, 'externalUserId'],
    ['metadata that is an array', { metadata: [1, 2] }, 'metadata'],
    ['metadata that is a string', { metadata: 'x' }, 'metadata'],
    ['metadata over 16 KiB', { metadata: { blob: 'x'.repeat(16 * 1024) } }, 'metadata'],
    ['a NUL character in a metadata value', { metadata: { note: NUL } }, 'metadata'],
    ['a NUL character in a metadata key', { metadata: { [NUL]: 1 } }, 'metadata'],
    ['a lone surrogate deep in metadata', { metadata: { a: [{ b: LONE_SURROGATE }] } }, 'metadata'],
    ['a lone surrogate in a metadata key', { metadata: { [LONE_SURROGATE]: true } }, 'metadata'],
    ['metadata nested 40 levels deep', { metadata: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }, 'metadata'],
    ['an unknown field', { priority: 'high' }, ''],
  ];

  it.each(cases)('%s', async (_, overrides, path) => {
    await refusedStoringNothing(() => api('POST', '/messages/send', { body: validSend(overrides) }), 400, path);
  });

  it('malformed JSON', async () => {
    await refusedStoringNothing(() => api('POST', '/messages/send', { rawBody: '{"chatbotId": ' }), 400);
  });

  it('a JSON body that is not an object', async () => {
    await refusedStoringNothing(() => api('POST', '/messages/send', { rawBody: '[1,2,3]' }), 400);
    await refusedStoringNothing(() => api('POST', '/messages/send', { rawBody: 'null' }), 400);
  });

  it('a body that is not what its Content-Encoding says (400), or an unknown encoding (415)', async () => {
    const raw = JSON.stringify(validSend({ content: 'not really gzip' }));
    await refusedStoringNothing(
      () => api('POST', '/messages/send', { rawBody: raw, headers: { 'content-encoding': 'gzip' } }),
      400,
    );
    await refusedStoringNothing(
      () => api('POST', '/messages/send', { rawBody: raw, headers: { 'content-encoding': 'deflate' } }),
      400,
    );
    await refusedStoringNothing(
      () => api('POST', '/messages/send', { rawBody: raw, headers: { 'content-encoding': 'compress' } }),
      415,
    );
  });

  it('accepts a body that really is gzip', async () => {
    const res = await api('POST', '/messages/send', {
      rawBody: gzipSync(JSON.stringify(validSend({ externalUserId: 'zipped', content: 'compressed hello' }))),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(202);
    expect(res.body.data.message.content).toBe('compressed hello');
    await settledHistory(api, res.body.data.conversation.id, 2);
  });

  it('answers 413 for a body over 64 KiB, also when it only gets there unzipped', async () => {
    await refusedStoringNothing(
      () => api('POST', '/messages/send', { body: validSend({ content: 'x'.repeat(70 * 1024) }) }),
      413,
    );
    const bomb = gzipSync(JSON.stringify(validSend({ metadata: { pad: ' '.repeat(1024 * 1024) } })));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await refusedStoringNothing(
      () => api('POST', '/messages/send', { rawBody: bomb, headers: { 'content-encoding': 'gzip' } }),
      413,
    );
  });

  it('accepts metadata just under 16 KiB', async () => {
    const res = await api('POST', '/messages/send', {
      body: validSend({ externalUserId: 'big-metadata', metadata: { blob: 'x'.repeat(16 * 1024 - 20) } }),
    });
    expect(res.status).toBe(202);
    expect(res.body.data.message.metadata.blob).toHaveLength(16 * 1024 - 20);
    await settledHistory(api, res.body.data.conversation.id, 2);
  });
});

describe('a token whose sub PostgreSQL cannot store is invalid (401), not a 500', () => {
  it.each([
    ['a NUL character', NUL],
    ['a lone surrogate', LONE_SURROGATE],
  ])('sub with %s', async (_, sub) => {
    const odd = apiClient(app.url, tokenFor(sub));
    await refusedStoringNothing(() => odd('POST', '/chatbots', { body: { name: 'bot' } }), 401);
    await refusedStoringNothing(() => odd('GET', '/chatbots'), 401);
  });
});

describe('wrong methods on known routes are 405 problems that name the allowed ones', () => {
  it.each([
    ['DELETE', '/chatbots', 'POST, HEAD, GET'],
    // GET /messages/:id matches the path too (and answers 400: "send" is not a UUID).
    ['PUT', '/messages/send', 'POST, HEAD, GET'],
    ['PATCH', `/messages/${crypto.randomUUID()}`, 'HEAD, GET'],
    ['POST', '/health', 'HEAD, GET'],
    ['PROPFIND', '/chatbots', 'POST, HEAD, GET'],
  ])('%s %s', async (method, path, allow) => {
    const before = await db.tableCounts();
    const res = await fetch(app.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : '{}',
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('allow')).toBe(allow);
    expect(await res.json()).toMatchObject({
      status: 405,
      title: 'Method Not Allowed',
      detail: `Use ${allow} on this endpoint`,
    });
    expect(await db.tableCounts()).toEqual(before);
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

  it.each([
    ['page=0', 'page'],
    ['limit=101', 'limit'],
    ['cursor=x', ''],
  ])('GET /chatbots with %s is 400', async (query, path) => {
    expectProblem(await api('GET', `/chatbots?${query}`), 400, path);
  });

  it('ids that are not UUIDs are 400', async () => {
    expectProblem(await api('GET', '/messages/conversation/not-a-uuid'), 400, 'conversationId');
    expectProblem(await api('GET', '/messages/42'), 400, 'id');
    expectProblem(await api('GET', '/chatbots/42'), 400, 'id');
  });

  it.each([
    ['no name', {}, 'name'],
    ['a blank name', { name: '  ' }, 'name'],
    ['a NUL character in the name', { name: NUL }, 'name'],
    ['a lone surrogate in the name', { name: LONE_SURROGATE }, 'name'],
    ['a NUL character in the system prompt', { name: 'b', systemPrompt: NUL }, 'systemPrompt'],
    ['a lone surrogate in the model', { name: 'b', model: LONE_SURROGATE }, 'model'],
    ['a temperature above 2', { name: 'b', temperature: 3 }, 'temperature'],
    ['a temperature that is a string', { name: 'b', temperature: '0.5' }, 'temperature'],
    ['a system prompt over 8000 characters', { name: 'b', systemPrompt: 'x'.repeat(8001) }, 'systemPrompt'],
    ['maxTokens of 0', { name: 'b', maxTokens: 0 }, 'maxTokens'],
    ['maxTokens that is not whole', { name: 'b', maxTokens: 1.5 }, 'maxTokens'],
    ['maxTokens over 32768', { name: 'b', maxTokens: 32_769 }, 'maxTokens'],
  ])('POST /chatbots with %s is 400 and creates nothing', async (_, body, path) => {
    await refusedStoringNothing(() => api('POST', '/chatbots', { body }), 400, path);
  });

  it('an unknown path is a 404 problem', async () => {
    expectProblem(await api('GET', '/nope'), 404);
    expectProblem(await api('PROPFIND', '/nope'), 404);
  });
});
