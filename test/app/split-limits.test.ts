import { afterAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, settledHistory, tokenFor, type ApiResponse } from '../support/harness.js';
import { splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';

const processes: AppProcess[] = [];
let llm: FakeLlm | undefined;
let db: ScratchDatabase | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  await llm?.close();
  await db?.drop();
});

const USER_LIMIT = 5;

describe('rate limits across API processes sharing Redis', () => {
  it('two API processes accept exactly the limit between them, concurrent or alternated', async () => {
    llm = await startFakeLlm();
    db = await createScratchDatabase('limits');
    // Counters of this run only: a key prefix of its own on the shared Redis.
    const env = splitRoleEnv({
      DATABASE_URL: db.url,
      OPENAI_BASE_URL: llm.url,
      HOST: '127.0.0.1',
      RATE_LIMIT_USER_SENDS_PER_MINUTE: String(USER_LIMIT),
      RATE_LIMIT_KEY_PREFIX: `chatflow-test:limits:${crypto.randomUUID()}`,
    });
    const [a, b, worker] = await Promise.all(
      ['src/api.ts', 'src/api.ts', 'src/worker.ts'].map((entry) => startAppProcess(env, 60_000, [], entry)),
    );
    processes.push(a, b, worker);

    const token = tokenFor(`split-limits-${crypto.randomUUID()}`);
    const apis = [apiClient(a.url, token), apiClient(b.url, token)];
    const { id: chatbotId } = await createChatbot(apis[0]);
    const send = (i: number, externalUserId: string) =>
      apis[i % 2]('POST', '/messages/send', {
        body: { chatbotId, externalUserId, content: `message ${i}`, channel: 'WIDGET' },
      });
    const expectTooMany = (res: ApiResponse) => {
      expect([res.status, res.contentType, res.body.title, res.body.detail]).toEqual([
        429,
        expect.stringContaining('application/problem+json'),
        'Too Many Requests',
        expect.stringMatching(/^Too many messages for this end user: at most 5 a minute\./),
      ]);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    };

    // All at once, half to each process.
    const extra = 7;
    const burst = await Promise.all(Array.from({ length: USER_LIMIT + extra }, (_, i) => send(i, 'u1')));
    expect(burst.map((r) => r.status).sort()).toEqual([...Array(USER_LIMIT).fill(202), ...Array(extra).fill(429)]);
    burst.filter((r) => r.status === 429).forEach(expectTooMany);

    // One after another, alternating: the first five in whichever process, then none in either.
    const alternated: ApiResponse[] = [];
    for (let i = 0; i < USER_LIMIT + 3; i++) alternated.push(await send(i, 'u2'));
    expect(alternated.map((r) => r.status)).toEqual([...Array(USER_LIMIT).fill(202), 429, 429, 429]);
    alternated.filter((r) => r.status === 429).forEach(expectTooMany);

    // The database holds the accepted messages and nothing else; the worker answered each once.
    const accepted = [...burst, ...alternated].filter((r) => r.status === 202);
    for (const conversationId of new Set(accepted.map((r) => r.body.data.conversation.id as string))) {
      const history = await settledHistory(apis[1], conversationId, USER_LIMIT * 2, 40_000);
      expect(history.map((m) => m.role).sort()).toEqual([
        ...Array(USER_LIMIT).fill('ASSISTANT'),
        ...Array(USER_LIMIT).fill('USER'),
      ]);
    }
    const counts = await db.tableCounts();
    expect({
      chatbot: counts.chatbot,
      conversation: counts.conversation,
      message: counts.message,
      idempotency_key: counts.idempotency_key,
    }).toEqual({
      chatbot: 1,
      conversation: 2,
      message: 2 * USER_LIMIT * 2,
      idempotency_key: 0,
    });
    expect(llm.requests).toHaveLength(2 * USER_LIMIT);
  });
});
