import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiClient, createChatbot, startTestApp, tokenFor, type TestApp } from '../support/harness.js';

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
    for (let i = 1; i <= 5; i++) created.push(await createChatbot(api, { name: `bot ${i}`, maxTokens: i === 1 ? 256 : null }));
    const page = async (query: string) => {
      const res = await api('GET', `/chatbots${query}`);
      expect(res.status).toBe(200);
      return [res.body.data.map((c: any) => c.name), res.body.meta];
    };
    expect(await page('')).toEqual([['bot 1', 'bot 2', 'bot 3', 'bot 4', 'bot 5'], { page: 1, limit: 50, total: 5, totalPages: 1 }]);
    expect(await page('?limit=2')).toEqual([['bot 1', 'bot 2'], { page: 1, limit: 2, total: 5, totalPages: 3 }]);
    expect(await page('?limit=2&page=3')).toEqual([['bot 5'], { page: 3, limit: 2, total: 5, totalPages: 3 }]);
    expect(await page('?limit=2&page=4')).toEqual([[], { page: 4, limit: 2, total: 5, totalPages: 3 }]);
    const first = (await api('GET', '/chatbots?limit=1')).body.data[0];
    expect(first).toEqual({ ...created[0], maxTokens: 256 });
    expect((await api('GET', `/chatbots/${created[1]!.id}`)).body.data.maxTokens).toBeNull();
  });
});
