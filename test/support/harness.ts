import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { startAllInOne } from '../../src/app/all-in-one.js';
import { loadConfig } from '../../src/app/config.js';
import { createDeps, type Deps } from '../../src/app/deps.js';
import type { Running } from '../../src/app/running.js';
import { createLogger } from '../../src/logger.js';
import type { ZodType } from 'zod';
import { ackSchema, SERVER_EVENTS, type ServerEventName } from '../../src/contracts/socket-events.js';
import { withoutFlowLinks } from '../../src/model/links.js';
import { logContext } from '../../src/observability/log-context.js';
import { testEnv } from './env.js';
import { startFakeLlm, type FakeLlm } from './fake-llm.js';

export interface TestApp {
  url: string;
  deps: Deps;
  taskQueue: string;
  /** The API's Koa app and its declared routes (the OpenAPI test reads the route table). */
  api: NonNullable<Running['api']>;
  stop(): Promise<void>;
}

let bundleCode: string | undefined;

/**
 * The real all-in-one app (API, Socket.IO, worker) on the run's Temporal server and database, on
 * its own task queue so flows of other test files never reach it.
 */
export async function startTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const shared = testEnv();
  const taskQueue = `test-${randomUUID()}`;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: shared.jwtSecret,
    DATABASE_URL: shared.databaseUrl,
    TEMPORAL_ADDRESS: shared.temporalAddress,
    TEMPORAL_UI_URL: shared.temporalUiUrl,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const deps = await createDeps(config, createLogger(config.logLevel, { mixin: logContext }));
  bundleCode ??= readFileSync(shared.workflowBundlePath, 'utf8');
  const running = await startAllInOne(deps, { workflowBundle: { code: bundleCode } });
  return {
    url: running.url,
    deps,
    taskQueue,
    api: running.api!,
    async stop() {
      await reportIfSlow('stopping the app (HTTP, sweeper, worker)', running.stop());
      await reportIfSlow('closing its connections', deps.close());
    },
  };
}

/** Says on stderr which part of a shutdown is still not done after 15 s, so a hang names itself. */
async function reportIfSlow<T>(what: string, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => process.stderr.write(`[harness] still ${what}\n`), 15_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Waits until a conversation has settled: (exactly `total` messages, when given) the last one a
 * reply, and no flow still delivering (nothing PENDING). Returns the messages in seq order.
 */
export function settledHistory(api: Api, conversationId: string, total?: number, timeoutMs = 20_000): Promise<any[]> {
  return waitFor(
    async () => {
      const rows = (await api('GET', `/messages/conversation/${conversationId}?limit=100`)).body.data as any[];
      const settled =
        rows.length > 0 &&
        (total === undefined || rows.length === total) &&
        rows.at(-1).role === 'ASSISTANT' &&
        rows.every((m) => m.deliveryStatus !== 'PENDING');
      return settled ? rows : undefined;
    },
    timeoutMs,
    `conversation ${conversationId} to settle`,
  );
}

/** The handle of a message's flow once it exists (the 202 does not wait for the start). */
export async function messageFlow(app: TestApp, messageId: string) {
  const handle = app.deps.client.workflow.getHandle(`message-${messageId}`);
  await waitFor(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    15_000,
    `flow of ${messageId}`,
  );
  return handle;
}

/**
 * What ops do in the Web UI: reset a message's flow to its first workflow task. Resolves with the
 * handle of the new run once it exists.
 */
export async function resetFlow(app: TestApp, messageId: string) {
  const { client, config } = app.deps;
  const handle = client.workflow.getHandle(`message-${messageId}`);
  const { runId } = await handle.describe();
  const { events } = await handle.fetchHistory();
  const firstTask = events!.find((e) => e.workflowTaskCompletedEventAttributes)!;
  await client.workflowService.resetWorkflowExecution({
    namespace: config.temporal.namespace,
    workflowExecution: { workflowId: handle.workflowId, runId },
    workflowTaskFinishEventId: firstTask.eventId,
    reason: 'retry',
    requestId: crypto.randomUUID(),
  });
  await waitFor(async () => (await handle.describe()).runId !== runId, 10_000, 'the new run');
  return client.workflow.getHandle(handle.workflowId);
}

/**
 * The Temporal Web UI addresses a test app puts in `links`: a message's flow, and the list of a
 * conversation's flows (the shared dev server's UI, namespace default).
 */
export const uiLinks = {
  flow: (messageId: string) => `${testEnv().temporalUiUrl}/namespaces/default/workflows/message-${messageId}`,
  flows: (conversationId: string) =>
    `${testEnv().temporalUiUrl}/namespaces/default/workflows?query=ConversationId%3D%22${conversationId}%22`,
};

/** A signed customer token (HS256, the app's secret). */
export function tokenFor(customerId: string, options: jwt.SignOptions = {}, secret = testEnv().jwtSecret): string {
  return jwt.sign({ sub: customerId }, secret, { algorithm: 'HS256', ...options });
}

export interface ApiResponse<T = any> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
}

/** A tiny HTTP client: JSON in, parsed JSON out. */
export function apiClient(baseUrl: string, token?: string) {
  return async function request<T = any>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: string | Uint8Array;
      headers?: Record<string, string>;
      token?: string | null;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | Uint8Array | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      headers: res.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Creates a chatbot for the token's customer and returns it. */
export async function createChatbot(api: Api, body: Record<string, unknown> = {}) {
  const res = await api('POST', '/chatbots', {
    body: { name: 'Support bot', systemPrompt: 'You are a helpful bot.', ...body },
  });
  if (res.status !== 201) throw new Error(`create chatbot: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as {
    id: string;
    name: string;
    systemPrompt: string;
    model: string | null;
    temperature: number | null;
  };
}

export interface ReceivedEvent {
  event: string;
  payload: any;
  at: number;
}

export interface TestSocket {
  socket: Socket;
  events: ReceivedEvent[];
  emitWithAck(event: string, payload: unknown): Promise<any>;
  waitFor(predicate: (e: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
}

/**
 * Checks a received event against the protocol (src/contracts/socket-events.ts): an event the
 * protocol does not name, or a payload its schema refuses, is a defect of the server.
 */
export function protocolViolation(event: string, payload: unknown): string | undefined {
  const declared = SERVER_EVENTS[event as ServerEventName] as { payload: ZodType } | undefined;
  if (!declared) return `undeclared event ${event}`;
  const parsed = declared.payload.safeParse(payload);
  return parsed.success ? undefined : `${event} ${JSON.stringify(payload)}: ${String(parsed.error)}`;
}

/**
 * A real socket.io-client on `/messages`, recording every event it receives, each checked against
 * the protocol's schemas: a violation fails the next wait, and the close.
 */
export async function connectSocket(baseUrl: string, token: string | undefined): Promise<TestSocket> {
  const socket = io(`${baseUrl}/messages`, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
  });
  const events: ReceivedEvent[] = [];
  const violations: string[] = [];
  socket.onAny((event: string, payload) => {
    const violation = protocolViolation(event, payload);
    if (violation) violations.push(violation);
    events.push({ event, payload, at: Date.now() });
  });
  const conforming = () => {
    if (violations.length > 0) throw new Error(`The server broke the Socket.IO protocol:\n${violations.join('\n')}`);
  };
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return {
    socket,
    events,
    async emitWithAck(event, payload) {
      const ack: unknown = await socket.timeout(10_000).emitWithAck(event, payload);
      const parsed = ackSchema.safeParse(ack);
      if (!parsed.success) violations.push(`ack of ${event} ${JSON.stringify(ack)}: ${String(parsed.error)}`);
      conforming();
      return ack;
    },
    waitFor: (predicate, timeoutMs = 30_000) =>
      waitFor(
        () => {
          conforming();
          return events.find(predicate);
        },
        timeoutMs,
        'socket event',
      ),
    close: () => {
      socket.close();
      conforming();
    },
  };
}

/** Polls until `probe` returns something truthy (or a promise of it). */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Scenario {
  llm: FakeLlm;
  app: TestApp;
  token: string;
  api: Api;
  chatbotId: string;
  stop(): Promise<void>;
}

/** The usual setup of a flow suite: a fake LLM, the app talking to it, a customer and a chatbot. */
export async function startScenario(
  label: string,
  env: Record<string, string> = {},
  chatbot: Record<string, unknown> = {},
): Promise<Scenario> {
  const llm = await startFakeLlm();
  const app = await startTestApp({ OPENAI_BASE_URL: llm.url, ...env });
  const token = tokenFor(`${label}-${randomUUID()}`);
  const api = apiClient(app.url, token);
  const chatbotId = (await createChatbot(api, chatbot)).id;
  return {
    llm,
    app,
    token,
    api,
    chatbotId,
    async stop() {
      await app.stop();
      await llm.close();
    },
  };
}

/** A message as socket events carry it: the API's shape with the Temporal UI's addresses null (ops only). */
export const onSocket = <T extends { links?: Record<string, unknown> }>(dto: T): T => ({
  ...dto,
  links: withoutFlowLinks({ links: dto.links }).links,
});
