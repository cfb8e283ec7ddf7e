import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoLlm {
  /** Base URL for the openai SDK (ends in /v1). */
  url: string;
  close(): Promise<void>;
}

/**
 * The embedded default LLM: an OpenAI-compatible chat-completions endpoint (JSON and SSE streaming)
 * that echoes the last user message. `npm start` runs it when no LLM is configured, so a fresh
 * install answers end to end through the real openai SDK; set OPENAI_API_KEY for real answers.
 */
export async function startEchoLlm(port = 0): Promise<EchoLlm> {
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      let body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[] };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'invalid JSON' } }));
        return;
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
      const text = `Echo: ${last?.content ?? ''}`;
      const base = {
        id: `chatcmpl-echo-${Date.now()}`,
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'echo',
      };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          }),
        );
        return;
      }
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(chunk({ role: 'assistant', content: '' }));
      for (const piece of text.match(/\S+\s*|\s+/g) ?? []) res.write(chunk({ content: piece }));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
