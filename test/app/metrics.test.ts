import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { metricKey, parseMetrics } from '../support/metrics.js';
import { freePort } from '../support/ports.js';
import { testEnv } from '../support/env.js';
import { startFakeLlm, usageOf } from '../support/fake-llm.js';
import {
  connectSocket,
  settledHistory,
  startScenario,
  startTestApp,
  tokenFor,
  apiClient,
  createChatbot,
  waitFor,
  type Scenario,
} from '../support/harness.js';

async function scrape(baseUrl: string): Promise<{ text: string; series: Map<string, number> }> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, series: parseMetrics(text) };
}

const SYSTEM_PROMPT = 'Be brief and kind.';
let s: Scenario;

beforeAll(async () => {
  s = await startScenario('metrics', {}, { systemPrompt: SYSTEM_PROMPT });
});
afterAll(async () => {
  await s?.stop();
});

describe('GET /metrics', () => {
  it('counts a send, its reply and its LLM call; a failure by type; a retry; and serves the SDK worker metrics', async () => {
    const base = (await scrape(s.app.url)).series;
    const at = (series: Map<string, number>, name: string, labels?: Record<string, string>) =>
      series.get(metricKey(name, labels)) ?? 0;
    const delta = (series: Map<string, number>, name: string, labels?: Record<string, string>) =>
      at(series, name, labels) - at(base, name, labels);
    const replied = { outcome: 'REPLIED', failure_type: 'none', channel: 'WIDGET' };
    const rejected = { outcome: 'FAILED', failure_type: 'LlmRejected', channel: 'WIDGET' };

    // A send answered.
    const content = 'hello metrics please';
    const sent = await s.api('POST', '/messages/send', {
      body: { chatbotId: s.chatbotId, externalUserId: 'metrics-user', content, channel: 'WIDGET' },
    });
    expect(sent.status).toBe(202);
    const conversationId = sent.body.data.conversation.id;
    await settledHistory(s.api, conversationId, 2);
    const afterSend = await waitFor(
      async () => {
        const { series } = await scrape(s.app.url);
        return delta(series, 'chatflow_flows_finished_total', replied) === 1 && series;
      },
      20_000,
      'the flow counted as finished',
    );
    expect(s.llm.requests[0].messages).toEqual([
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content },
    ]);
    const usage = usageOf([{ content: SYSTEM_PROMPT }, { content }], `Echo: ${content}`);
    expect({
      accepted: delta(afterSend, 'chatflow_sends_accepted_total', { channel: 'WIDGET', role: 'USER' }),
      http: delta(afterSend, 'chatflow_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/messages/send',
        status: '202',
      }),
      llmOk: delta(afterSend, 'chatflow_llm_request_duration_seconds_count', { outcome: 'ok' }),
      llmError: delta(afterSend, 'chatflow_llm_request_duration_seconds_count', { outcome: 'error' }),
      firstToken: delta(afterSend, 'chatflow_llm_time_to_first_token_seconds_count'),
      promptTokens: delta(afterSend, 'chatflow_llm_tokens_total', { kind: 'prompt' }),
      completionTokens: delta(afterSend, 'chatflow_llm_tokens_total', { kind: 'completion' }),
      sent: delta(afterSend, 'chatflow_deliveries_total', { channel: 'WIDGET', status: 'SENT' }),
      failedFlows: delta(afterSend, 'chatflow_flows_finished_total', rejected),
    }).toEqual({
      accepted: 1,
      http: 1,
      llmOk: 1,
      llmError: 0,
      firstToken: 1,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      sent: 1,
      failedFlows: 0,
    });

    // A send the LLM refuses (400: permanent), then its retry through the API, answered.
    s.llm.script({ kind: 'error', status: 400, message: 'bad request' });
    const failing = await s.api('POST', '/messages/send', {
      body: { chatbotId: s.chatbotId, externalUserId: 'metrics-user', content: 'fail me', channel: 'WIDGET' },
    });
    await waitFor(
      async () => (await settledHistory(s.api, conversationId, 4))[3].deliveryStatus === 'FAILED',
      20_000,
      'the FAILED reply',
    );
    const afterFailure = await waitFor(
      async () => {
        const { series } = await scrape(s.app.url);
        return delta(series, 'chatflow_flows_finished_total', rejected) === 1 && series;
      },
      20_000,
      'the failed flow counted',
    );
    expect(delta(afterFailure, 'chatflow_llm_request_duration_seconds_count', { outcome: 'error' })).toBe(1);
    expect(delta(afterFailure, 'chatflow_flows_finished_total', replied)).toBe(1);

    const retried = await s.api('POST', `/messages/${failing.body.data.message.id}/retry`);
    expect(retried.status).toBe(202);
    await waitFor(
      async () => (await settledHistory(s.api, conversationId, 4))[3].deliveryStatus === 'SENT',
      20_000,
      'the retried reply SENT',
    );
    const afterRetry = await waitFor(
      async () => {
        const { series } = await scrape(s.app.url);
        return delta(series, 'chatflow_flows_finished_total', replied) === 2 && series;
      },
      20_000,
      'the retried flow counted',
    );
    expect({
      retries: delta(afterRetry, 'chatflow_retries_accepted_total', { channel: 'WIDGET' }),
      accepted: delta(afterRetry, 'chatflow_sends_accepted_total', { channel: 'WIDGET', role: 'USER' }),
      sent: delta(afterRetry, 'chatflow_deliveries_total', { channel: 'WIDGET', status: 'SENT' }),
      failedFlows: delta(afterRetry, 'chatflow_flows_finished_total', rejected),
      llmOk: delta(afterRetry, 'chatflow_llm_request_duration_seconds_count', { outcome: 'ok' }),
      retryHttp: delta(afterRetry, 'chatflow_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/messages/:id/retry',
        status: '202',
      }),
    }).toEqual({ retries: 1, accepted: 2, sent: 2, failedFlows: 1, llmOk: 2, retryHttp: 1 });

    // The Temporal SDK's own worker metrics, from the native core's Prometheus exporter.
    const { text } = await scrape(s.app.url);
    expect(text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_bucket\{.*task_queue=/m);
    expect(text).toMatch(/^temporal_activity_schedule_to_start_latency_bucket\{/m);
    expect(text).toMatch(/^temporal_worker_task_slots_available\{.*worker_type="WorkflowWorker"/m);
    // No label carries an id: series stay bounded however many messages flow.
    const ids = [sent.body.data.message.id, conversationId, s.chatbotId, failing.body.data.message.id];
    for (const id of ids) expect(text).not.toContain(id);
  });

  it('gauges the sockets connected to this API process', async () => {
    const gauge = async () => (await scrape(s.app.url)).series.get(metricKey('chatflow_sockets_connected'));
    expect(await gauge()).toBe(0);
    const sockets = [await connectSocket(s.app.url, s.token), await connectSocket(s.app.url, s.token)];
    expect(await gauge()).toBe(2);
    sockets[0].close();
    await waitFor(async () => (await gauge()) === 1, 10_000, 'one socket left');
    sockets[1].close();
    await waitFor(async () => (await gauge()) === 0, 10_000, 'no socket left');
  });
});

describe('outbox lag', () => {
  let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
  let db: ScratchDatabase | undefined;
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('grows while Temporal is unreachable and an accepted message waits in the outbox', async () => {
    const deadPort = await freePort();
    // A database of its own: no other suite's sweeper may start this message's flow.
    db = await createScratchDatabase('outbox_lag');
    app = await startTestApp({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` });
    const lagNow = async () => (await scrape(app!.url)).series.get(metricKey('chatflow_outbox_lag_seconds'));
    expect(await lagNow()).toBe(0);
    const api = apiClient(app.url, tokenFor(`outbox-lag-${crypto.randomUUID()}`));
    const bot = await createChatbot(api);
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'lagging', content: 'are you there?', channel: 'WIDGET' },
    });
    expect(sent.status).toBe(202);
    const sentAt = Date.now();
    // The gauge is the age of the oldest unstarted message, ours: it keeps ageing.
    const lag = await waitFor(
      async () => {
        const value = await lagNow();
        return value !== undefined && value >= 1 && value;
      },
      15_000,
      'an outbox lag of a second',
    );
    expect(lag).toBeLessThanOrEqual((Date.now() - sentAt) / 1000 + 1);
    expect(await db.tableCounts()).toEqual(expect.objectContaining({ message: 1, conversation: 1 }));
  });
});

describe('the SDK exporter’s port taken', () => {
  let proc: AppProcess | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    for (const close of closers) await close();
  });

  it('is logged, and the process runs on: its own metrics served, logs still JSON, messages answered', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => holder.close(resolve)));
    const taken = `127.0.0.1:${(holder.address() as { port: number }).port}`;
    const llm = await startFakeLlm();
    closers.push(() => llm.close());
    proc = await startAppProcess({
      ...splitRoleEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'chatflow-exporter-')) }),
      OPENAI_BASE_URL: llm.url,
      TEMPORAL_METRICS_BIND: taken,
      LOG_LEVEL: 'warn',
    });
    const api = apiClient(proc.url, tokenFor(`exporter-${crypto.randomUUID()}`, {}, testEnv().jwtSecret));
    const bot = await createChatbot(api);
    const sent = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'still there?', channel: 'WIDGET' },
    });
    expect(
      (await settledHistory(api, sent.body.data.conversation.id, 2)).map((m) => [m.role, m.deliveryStatus]),
    ).toEqual([
      ['USER', 'SENT'],
      ['ASSISTANT', 'SENT'],
    ]);
    const { text, series } = await scrape(proc.url);
    expect(series.get(metricKey('chatflow_sends_accepted_total', { channel: 'WIDGET', role: 'USER' }))).toBe(1);
    expect(text).not.toMatch(/^temporal_/m);
    const lines = jsonLines(proc.output());
    expect(lines.filter((l) => /Prometheus exporter could not start/.test(l.msg))).toEqual([
      expect.objectContaining({
        level: 'warn',
        bindAddress: taken,
        err: expect.objectContaining({ message: expect.stringMatching(/address.*in use/i) }),
      }),
    ]);
    // Nothing printed outside the JSON logs but the start-up banner (the SDK's console logger was not used).
    const other = proc
      .output()
      .split('\n')
      .filter(
        (line) =>
          line &&
          !line.startsWith('{') &&
          !line.startsWith('***') &&
          !/^(Role|API|Socket\.IO|LLM|Temporal UI):/.test(line),
      );
    expect(other).toEqual([]);
  });
});

describe('an LLM server that refuses stream_options', () => {
  let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
  let llm: Awaited<ReturnType<typeof startFakeLlm>> | undefined;
  afterAll(async () => {
    await app?.stop();
    await llm?.close();
  });

  it('still answers every message: usage is asked once, then no more, and no tokens are counted', async () => {
    llm = await startFakeLlm({ refuseStreamOptions: true });
    app = await startTestApp({ OPENAI_BASE_URL: llm.url });
    const api = apiClient(app.url, tokenFor(`no-usage-${crypto.randomUUID()}`));
    const bot = await createChatbot(api);
    const first = await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'one', channel: 'WIDGET' },
    });
    const conversationId = first.body.data.conversation.id;
    await settledHistory(api, conversationId, 2);
    await api('POST', '/messages/send', {
      body: { chatbotId: bot.id, externalUserId: 'u', content: 'two', channel: 'WIDGET', conversationId },
    });
    const history = await settledHistory(api, conversationId, 4);
    expect(history.map((m) => [m.role, m.content, m.deliveryStatus])).toEqual([
      ['USER', 'one', 'SENT'],
      ['ASSISTANT', 'Echo: one', 'SENT'],
      ['USER', 'two', 'SENT'],
      ['ASSISTANT', 'Echo: two', 'SENT'],
    ]);
    expect(llm.requests.map((r) => r.includeUsage)).toEqual([true, false, false]);
    const { series } = await scrape(app.url);
    expect(series.get(metricKey('chatflow_llm_tokens_total', { kind: 'prompt' })) ?? 0).toBe(0);
    expect(series.get(metricKey('chatflow_llm_request_duration_seconds_count', { outcome: 'ok' }))).toBe(2);
  });
});
