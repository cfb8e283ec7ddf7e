import { readFileSync } from 'node:fs';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { Access, Route } from '../route.js';
import { inputOverrides } from './overrides.js';
import { problemSchema } from './problem.schemas.js';
import { CUSTOMER, CUSTOMER_OR_WIDGET, PUBLIC, jsonBody, problems, type ErrorStatus } from './responses.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const DESCRIPTION = `Durable messaging for chatbot platforms: a 202 from a send is a promise that the message is answered (or its reply marked FAILED with a reason).

Errors are \`application/problem+json\` (RFC 9457). An id that is unknown or not the caller's is a 404, never a 403. A method a path does not have is a 405 problem with an \`Allow\` header. Realtime events (Socket.IO, namespace \`/messages\`) are described by the AsyncAPI 3.0 document at \`/asyncapi.json\` and in docs/realtime.md.

Every response carries \`X-Request-Id\`: the caller's own (a token of up to 128 letters, digits, \`_ . : -\`) when the request sent one, else a new UUID. The server's log line for the request has the same id.`;

const SECURITY: Record<Access, typeof PUBLIC> = { public: PUBLIC, customer: CUSTOMER, widget: CUSTOMER_OR_WIDGET };

/** What any route of an access answers: a token's 401, a widget token's 403 where it may not call, and 503. */
const ACCESS_ERRORS: Record<Access, ErrorStatus[]> = { public: [], customer: [401, 403, 503], widget: [401, 503] };

/** One declared route as an OpenAPI operation. */
function operationOf(spec: Route): ZodOpenApiOperationObject {
  const { params, query, headers, body } = spec.request ?? {};
  const requestParams = {
    ...(params && { path: params }),
    ...(query && { query }),
    ...(headers && { header: headers }),
  };
  return {
    tags: spec.tags,
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    security: SECURITY[spec.access],
    ...(Object.keys(requestParams).length > 0 && { requestParams }),
    ...(body && { requestBody: jsonBody(body, !spec.optionalBody) }),
    responses: { ...spec.responses, ...problems([...ACCESS_ERRORS[spec.access], ...(spec.errors ?? [])], spec.say) },
  };
}

/**
 * Every declared route as OpenAPI paths, with the zod schemas of its parameters, bodies and
 * responses (the tests parse real responses with them).
 */
export function openApiPaths(routes: Route[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [spec.method]: operationOf(spec) };
  }
  return paths;
}

/** The OpenAPI 3.1 document of the HTTP API, built from the route declarations: the schemas the routes parse with. */
export function buildOpenApiDocument(routes: Route[]): ReturnType<typeof createDocument> {
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
      paths: openApiPaths(routes),
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
