import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

/** What the fake does with one request; unscripted requests get the default reply. */
export type Behaviour =
  | {
      kind: 'reply';
      text?: string;
      chunkDelayMs?: number;
      firstTokenDelayMs?: number;
      /** Drops the connection after this many content chunks. */
      failAfterChunks?: number;
      /** Ends the response cleanly after this many content chunks, without finish_reason or [DONE]. */
      endAfterChunks?: number;
      after?: Promise<unknown>;
    }
  | { kind: 'error'; status: number; message?: string; headers?: Record<string, string> }
  /** Holds the request open until `release()` (or the client gives up). */
  | { kind: 'hang' };

export interface RecordedRequest {
  /** When the request arrived and when the first content token was written (ms since epoch). */
  receivedAt: number;
  firstTokenAt?: number;
  model: string;
  temperature?: number;
  /** `max_tokens` as sent; the fake counts one token per word and stops there (finish_reason "length"). */
  maxTokens?: number;
  stream: boolean;
  /** `stream_options.include_usage`: the stream ends with a usage chunk (see `usageOf`). */
  includeUsage: boolean;
  messages: { role: string; content: string }[];
}

/** The usage the fake reports: one token per word of the prompt, one per content chunk sent. */
export function usageOf(messages: { content: string }[], reply: string) {
  const words = (text: string) => text.match(/\S+\s*|\s+/g)?.length ?? 0;
  return { promptTokens: messages.reduce((sum, m) => sum + words(m.content), 0), completionTokens: words(reply) };
}

export interface FakeLlm {
  /** Base URL for OPENAI_BASE_URL (ends in /v1). */
  url: string;
  requests: RecordedRequest[];
  /** Queue behaviours for the next requests, in order. */
  script(...behaviours: Behaviour[]): void;
  /** Resolves when `count` requests have arrived in total. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  release(): void;
  reset(): void;
  close(): Promise<void>;
}

/** The default answer: derived from the prompt so tests can tell replies apart. */
function defaultReply(messages: { role: string; content: string }[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return `Echo: ${last?.content ?? ''}`;
}

/**
 * A local server speaking the OpenAI chat-completions protocol (JSON and SSE streaming), for the
 * real openai SDK to talk to in tests and benchmarks.
 */
export async function startFakeLlm(
  options: {
    port?: number;
    defaultChunkDelayMs?: number;
    defaultFirstTokenDelayMs?: number;
    /** Answers a request with `stream_options` 400, as servers that refuse unknown fields do. */
    refuseStreamOptions?: boolean;
  } = {},
): Promise<FakeLlm> {
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let hanging: ServerResponse[] = [];

  const server: Server = createServer(
    (req, res) =>
      void (async () => {
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        const receivedAt = Date.now();
        const body = JSON.parse(await readBody(req)) as RecordedRequest & {
          max_tokens?: number;
          stream_options?: { include_usage?: boolean };
        };
        const recorded: RecordedRequest = {
          receivedAt,
          model: body.model,
          temperature: body.temperature,
          maxTokens: body.max_tokens,
          stream: Boolean(body.stream),
          includeUsage: Boolean(body.stream_options?.include_usage),
          messages: body.messages,
        };
        requests.push(recorded);
        if (options.refuseStreamOptions && body.stream_options) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: {
                message: 'Unrecognized request argument supplied: stream_options',
                type: 'invalid_request_error',
                param: null,
                code: null,
              },
            }),
          );
          for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
          return;
        }
        for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
        const behaviour = queue.shift() ?? { kind: 'reply' };
        await respond(behaviour, body, res, recorded);
      })(),
  );

  async function respond(
    behaviour: Behaviour,
    body: RecordedRequest & { max_tokens?: number },
    res: ServerResponse,
    recorded: RecordedRequest,
  ) {
    if (behaviour.kind === 'hang') {
      hanging.push(res);
      return;
    }
    if (behaviour.kind === 'error') {
      res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
      res.end(
        JSON.stringify({
          error: { message: behaviour.message ?? `fake error ${behaviour.status}`, type: 'fake', code: null },
        }),
      );
      return;
    }
    const text = behaviour.text ?? defaultReply(body.messages);
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    // Headers first (the client is waiting on a live stream), the content once the test says so.
    if (behaviour.after) await behaviour.after;
    const firstTokenDelay = behaviour.firstTokenDelayMs ?? options.defaultFirstTokenDelayMs ?? 0;
    if (firstTokenDelay) await sleep(firstTokenDelay);
    res.write(chunk({ role: 'assistant', content: '' }));
    const delay = behaviour.chunkDelayMs ?? options.defaultChunkDelayMs ?? 0;
    let sent = 0;
    const pieces = text.match(/\S+\s*|\s+/g) ?? [];
    const cut = body.max_tokens !== undefined && pieces.length > body.max_tokens;
    for (const piece of cut ? pieces.slice(0, body.max_tokens) : pieces) {
      if (res.destroyed) return;
      if (behaviour.failAfterChunks !== undefined && sent >= behaviour.failAfterChunks) {
        res.destroy(); // the connection drops mid-stream
        return;
      }
      if (behaviour.endAfterChunks !== undefined && sent >= behaviour.endAfterChunks) {
        res.end(); // a proxy or server that closes the stream early, cleanly
        return;
      }
      sent++;
      res.write(chunk({ content: piece }));
      recorded.firstTokenAt ??= Date.now();
      if (delay) await sleep(delay);
    }
    res.write(chunk({}, cut ? 'length' : 'stop'));
    if (recorded.includeUsage) {
      const { promptTokens, completionTokens } = usageOf(body.messages, pieces.slice(0, sent).join(''));
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...behaviours) => queue.push(...behaviours),
    waitForRequests: (count, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (requests.length >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`fake LLM saw ${requests.length} of ${count} requests`)),
          timeoutMs,
        );
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    release() {
      for (const res of hanging) if (!res.destroyed) res.destroy();
      hanging = [];
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
