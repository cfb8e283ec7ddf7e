import { z } from 'zod';
import { ackSchema, CLIENT_EVENTS, NAMESPACE, SERVER_EVENTS } from '../contracts/socket-events.js';

type JsonObject = Record<string, unknown>;

const CHANNEL = 'messages';

/**
 * The AsyncAPI 3.0 document of the Socket.IO protocol (/asyncapi.json), built from the event
 * schemas of src/contracts/socket-events.ts: one channel (the namespace), a message per event, an
 * operation per direction (`send`: the server emits; `receive`: a client emits, answered by an
 * `Ack`). The payloads are the zod schemas as JSON Schema (draft-07, AsyncAPI's default format).
 */
export function buildAsyncApiDocument(): JsonObject {
  const schemas: JsonObject = {};
  /** Puts a payload's named schemas in components and answers a reference to it. */
  const payloadOf = (schema: z.ZodType): JsonObject => {
    const json = JSON.parse(
      JSON.stringify(z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' })).replaceAll(
        '#/definitions/',
        '#/components/schemas/',
      ),
    ) as { $ref?: string; definitions?: JsonObject; $schema?: string };
    Object.assign(schemas, json.definitions);
    const { $schema: _dialect, definitions: _named, ...rest } = json;
    return rest;
  };

  const messages: JsonObject = {};
  const channelMessages: JsonObject = {};
  const operations: JsonObject = {};
  const ref = (name: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${name}` });
  const channel = { $ref: `#/channels/${CHANNEL}` };
  const declare = (name: string, summary: string, payload: z.ZodType) => {
    messages[name] = { name, title: name, summary, contentType: 'application/json', payload: payloadOf(payload) };
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
  };
  const key = (name: string) => name.replace(/:(.)/g, (_, c: string) => c.toUpperCase());

  for (const [name, { payload, summary }] of Object.entries(SERVER_EVENTS)) {
    declare(name, summary, payload);
    operations[`emit${capital(key(name))}`] = { action: 'send', channel, summary, messages: [ref(name)] };
  }
  declare('ack', 'The answer to a client event (its Socket.IO acknowledgement)', ackSchema);
  for (const [name, { payload, summary }] of Object.entries(CLIENT_EVENTS)) {
    declare(name, summary, payload);
    operations[`on${capital(key(name))}`] = {
      action: 'receive',
      channel,
      summary,
      messages: [ref(name)],
      reply: { channel, messages: [ref('ack')] },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'chatflow realtime (Socket.IO)',
      version: '1.0.0',
      description: [
        `Socket.IO v4 on the API's own HTTP server, namespace \`${NAMESPACE}\`. Connect with \`auth: { token }\`: a customer's JWT or a widget token (from a page, only on its chatbot's allowed origins).`,
        'After `subscribe`, a conversation’s room receives its `message`, `message:status`, `message:delta` and `typing` events; a chatbot’s room (customer tokens) its `conversation:status` events.',
        'Events may repeat (at least once): a message by `id`, a delta by `(messageId, attempt, index)`. A client that reconnects without `recovered: true` catches up with `GET /messages/conversation/:id?after=<seq>`.',
      ].join('\n\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        description:
          'The API itself (its host and port): Socket.IO (Engine.IO 4) over WebSocket, or HTTP long-polling.',
      },
    },
    channels: {
      [CHANNEL]: {
        address: NAMESPACE,
        title: 'The messages namespace',
        description: 'Rooms: `conversation:<id>` and `chatbot:<id>`, joined with `subscribe`.',
        messages: channelMessages,
      },
    },
    operations,
    components: { schemas, messages },
  };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
