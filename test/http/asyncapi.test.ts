import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiagnosticSeverity, Parser, type SchemaInterface as Schema } from '@asyncapi/parser';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * GET /asyncapi.json documents the Socket.IO protocol. It is checked here by the AsyncAPI
 * initiative's own parser (structure and every payload schema), and against the events the test
 * itself knows a client meets: the names below are written out, not read from the server's registry.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const SERVER_SENDS = [
  'message',
  'message:status',
  'message:delta',
  'typing',
  'conversation:status',
  'ready',
  'session:expired',
];
const CLIENT_SENDS = ['subscribe', 'unsubscribe', 'message:delivered', 'message:read'];

/** An object schema, or a choice between object schemas (a subscription names a conversation or a chatbot). */
const isObjectSchema = (schema: Schema | undefined): boolean =>
  schema?.type() === 'object' || (!!schema?.anyOf()?.length && schema.anyOf()!.every(isObjectSchema));

async function fetchDocument() {
  const res = await fetch(`${app.url}/asyncapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  return { text: await res.text(), res };
}

describe('GET /asyncapi.json', () => {
  it('is a valid AsyncAPI 3.0 document: the official parser reports no error and no warning', async () => {
    const { text, res } = await fetchDocument();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const { document, diagnostics } = await new Parser().parse(text);
    // Information and hints are advice, e.g. "a newer version of AsyncAPI exists". (The parser's
    // severities are @stoplight/types' numbers: Error 0, Warning 1, Information 2, Hint 3.)
    expect(
      diagnostics
        .filter((d) => Number(d.severity) <= Number(DiagnosticSeverity.Warning))
        .map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`),
    ).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    expect(
      document!
        .channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(['/messages']);
  });

  it('documents each event a client meets, in its direction, with a payload schema; client events are answered by an ack', async () => {
    const { document } = await new Parser().parse((await fetchDocument()).text);
    const sends: string[] = [];
    const receives: string[] = [];
    for (const operation of document!.operations().all()) {
      const names = operation
        .messages()
        .all()
        .map((m) => m.name()!);
      expect(names).toHaveLength(1);
      for (const message of operation.messages().all()) expect(isObjectSchema(message.payload())).toBe(true);
      if (operation.action() === 'send') {
        expect(operation.reply()).toBeUndefined();
        sends.push(...names);
      } else {
        expect(
          operation
            .reply()
            ?.messages()
            .all()
            .map((m) => m.name()),
        ).toEqual(['ack']);
        receives.push(...names);
      }
    }
    expect(sends.sort()).toEqual([...SERVER_SENDS].sort());
    expect(receives.sort()).toEqual([...CLIENT_SENDS].sort());
  });

  it('describes a delta exactly as the widget and the docs use it', async () => {
    const { document } = await new Parser().parse((await fetchDocument()).text);
    const delta = document!
      .allMessages()
      .all()
      .find((m) => m.name() === 'message:delta')!;
    const payload = delta.payload()!;
    expect(Object.keys(payload.properties() ?? {}).sort()).toEqual(
      ['attempt', 'conversationId', 'delta', 'index', 'messageId'].sort(),
    );
    expect(payload.required()?.sort()).toEqual(['attempt', 'conversationId', 'delta', 'index', 'messageId'].sort());
    expect(payload.additionalProperties()).toBe(false);
  });
});
