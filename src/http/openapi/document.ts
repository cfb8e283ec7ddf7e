import { readFileSync } from 'node:fs';
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import { chatbotPaths } from './chatbot.paths.js';
import { conversationPaths } from './conversation.paths.js';
import { messagePaths } from './message.paths.js';
import { inputOverrides } from './overrides.js';
import { problemSchema } from './problem.schemas.js';
import { publicPaths } from './public.paths.js';
import { widgetTokenPaths } from './widget-token.paths.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const DESCRIPTION = `Durable messaging for chatbot platforms: a 202 from a send is a promise that the message is answered (or its reply marked FAILED with a reason).

Errors are \`application/problem+json\` (RFC 9457). An id that is unknown or not the caller's is a 404, never a 403. A method a path does not have is a 405 problem with an \`Allow\` header. Realtime events (Socket.IO, namespace \`/messages\`) are described in the README.

Every response carries \`X-Request-Id\`: the caller's own (a token of up to 128 letters, digits, \`_ . : -\`) when the request sent one, else a new UUID. The server's log line for the request has the same id.`;

/** Every documented operation, with the zod schemas of its parameters, bodies and responses (the tests parse real responses with them). */
export const openApiPaths: ZodOpenApiPathsObject = {
  ...chatbotPaths,
  ...conversationPaths,
  ...messagePaths,
  ...widgetTokenPaths,
  ...publicPaths,
};

/** The OpenAPI 3.1 document of the HTTP API, built from the same zod schemas the routes parse. */
export function buildOpenApiDocument(): ReturnType<typeof createDocument> {
  return createDocument(
    {
      openapi: '3.1.0',
      info: { title: 'chatflow API', version, description: DESCRIPTION },
      security: [{ customerToken: [] }],
      tags: [
        { name: 'Chatbots' },
        { name: 'Conversations' },
        { name: 'Messages' },
        { name: 'Widget tokens' },
        { name: 'WhatsApp', description: 'Meta’s webhooks: no JWT, signed instead.' },
        { name: 'Health' },
        { name: 'Documentation' },
      ],
      paths: openApiPaths,
      components: {
        securitySchemes: {
          customerToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A customer token: HS256 with the server’s JWT_SECRET, `sub` = the customer (tenant); `exp` is honoured. It sees only what hangs under its own chatbots.',
          },
          widgetToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A widget token from POST /widget-tokens: `{ sub, scope: "widget", chatbotId, externalUserId, iat, exp }`. It may only send as its end user to its chatbot and read that user’s conversations and messages; every other endpoint answers it 403.',
          },
        },
        responses: {
          MethodNotAllowed: {
            description: 'Any method a path does not list: the methods it has are in `Allow`.',
            content: { 'application/problem+json': { schema: problemSchema } },
          },
        },
      },
    },
    { override: inputOverrides },
  );
}
