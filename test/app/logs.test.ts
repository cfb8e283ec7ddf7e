import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { jsonLines, splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { testEnv } from '../support/env.js';
import { startFakeLlm } from '../support/fake-llm.js';
import { apiClient, createChatbot, settledHistory, tokenFor, waitFor } from '../support/harness.js';

let app: AppProcess | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  app?.child.kill('SIGKILL');
  for (const close of closers) await close();
});

describe('structured logs (pino)', () => {
  it('write one line per request with its id, and the message and workflow ids on every line of a flow', async () => {
    const llm = await startFakeLlm();
    closers.push(() => llm.close());
    app = await startAppProcess({
      ...splitRoleEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'chatflow-logs-')) }),
      OPENAI_BASE_URL: llm.url,
      LOG_LEVEL: 'info',
    });
    const api = apiClient(app.url, tokenFor(`logs-${crypto.randomUUID()}`, {}, testEnv().jwtSecret));
    const bot = await createChatbot(api);

    // The caller's request id is kept and echoed; without one, the app makes one.
    const requestId = `req-${crypto.randomUUID()}`;
    llm.script({ kind: 'error', status: 500 }, { kind: 'error', status: 400, message: 'model refused' });
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'log-user', content: 'hello logs', channel: 'WIDGET' },
      headers: { 'x-request-id': requestId },
    });
    expect(sent.status).toBe(202);
    expect(sent.headers.get('x-request-id')).toBe(requestId);
    const read = await api('GET', `/messages/${sent.body.data.message.id}`);
    const generatedId = read.headers.get('x-request-id');
    expect(generatedId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const messageId: string = sent.body.data.message.id;
    const workflowId = `message-${messageId}`;
    await settledHistory(api, sent.body.data.conversation.id, 2);
    // A 500 retried, then a 400 for good: the reply FAILED, which is logged inside the flow.
    const failedLine = await waitFor(
      () => jsonLines(app!.output()).find((l) => l.msg === 'reply failed'),
      15_000,
      'the reply failed line',
    );

    const lines = jsonLines(app.output());
    const requestLines = lines.filter((l) => l.reqId === requestId);
    expect(requestLines).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'request completed',
        route: '/messages/send',
        req: { method: 'POST', url: '/messages/send', userAgent: expect.any(String) },
        res: { statusCode: 202 },
        responseTime: expect.any(Number),
      }),
    ]);
    expect(lines.filter((l) => l.reqId === generatedId)).toEqual([
      expect.objectContaining({ msg: 'request completed', route: '/messages/:id', res: { statusCode: 200 } }),
    ]);
    expect(failedLine).toEqual(
      expect.objectContaining({ level: 'warn', messageId, workflowId, activity: 'failReply', type: 'LlmRejected' }),
    );

    // Every line written inside a flow's step carries the message and workflow ids, ours included:
    // the SDK's own report of the retried LLM call as well as our lines.
    const flowLines = lines.filter((l) => l.activity !== undefined || l.workflowId !== undefined);
    expect(flowLines.length).toBeGreaterThanOrEqual(2);
    for (const line of flowLines)
      expect(line).toEqual(expect.objectContaining({ messageId: expect.any(String), workflowId: expect.any(String) }));
    const ours = flowLines.filter((l) => l.workflowId === workflowId);
    expect(ours.every((l) => l.messageId === messageId)).toBe(true);
    expect(ours.map((l) => l.msg)).toEqual(expect.arrayContaining(['reply failed']));
    const sdkLines = ours.filter((l) => l.component === 'temporal-sdk' && l.activityType === 'generate');
    expect(sdkLines.length).toBeGreaterThanOrEqual(1);
    for (const line of sdkLines) expect(line.taskToken).toBe('[redacted]');
    // What failed is said: the SDK's error keeps its class, type and message.
    expect(sdkLines.map((l) => [l.msg, l.error?.failureType, typeof l.error?.message])).toContainEqual([
      'Activity failed',
      'LlmUnavailable',
      'string',
    ]);
    // Every line is JSON with a level name and an ISO time.
    for (const line of lines)
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.stringMatching(/^(debug|info|warn|error|fatal)$/),
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        }),
      );
  });

  it('remove secrets by configuration, wherever a line puts them', () => {
    const written: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (written.push(String(chunk)), done()) });
    const logger = createLogger('debug', { destination });
    const secrets = [
      'Bearer eyJhbGciOi.secret.jwt',
      'whsec-1234',
      'EAAG-token',
      'app-secret-1',
      'verify-1',
      'sk-key-1',
    ];
    logger.info({ req: { headers: { authorization: secrets[0], cookie: 'session=1' } } }, 'a request');
    logger.info({ webhook: { url: 'https://crm.example/hook', secret: secrets[1] } }, 'settings');
    logger.info(
      { whatsapp: { phoneNumberId: '1065', accessToken: secrets[2], appSecret: secrets[3], verifyToken: secrets[4] } },
      'settings',
    );
    logger.info({ llm: { baseUrl: 'https://llm.example', apiKey: secrets[5] } }, 'settings');
    // An error is its class, message, code and causes: never a driver's failing row or a request's config.
    const driverError = Object.assign(
      new Error('duplicate key value violates unique constraint "message_external_id_unique"'),
      {
        code: '23505',
        detail: 'Key (external_id)=(wamid.private-content) already exists.',
        config: { headers: { authorization: secrets[0] } },
        cause: Object.assign(new Error('socket hang up'), { request: { apiKey: secrets[5] } }),
      },
    );
    logger.error({ err: driverError }, 'request failed');
    const text = written.join('');
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('wamid.private-content');
    const errorLine = JSON.parse(written.at(-1)!);
    expect(errorLine.err).toEqual({
      type: 'Error',
      message: 'duplicate key value violates unique constraint "message_external_id_unique"',
      stack: expect.any(String),
      code: '23505',
      cause: { type: 'Error', message: 'socket hang up', stack: expect.any(String) },
    });
    expect(text.match(/\[redacted\]/g)).toHaveLength(7); // 6 secrets and the cookie
    expect(text).toContain('https://crm.example/hook');
    expect(text).toContain('1065');
  });
});
