import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { whatsAppPayloadSchema } from '../../modules/whatsapp/whatsapp-inbound.js';
import {
  whatsAppChatbotParamSchema,
  whatsAppHandshakeQuerySchema,
} from '../../modules/whatsapp/whatsapp-webhook.schemas.js';
import { docsAssetParamSchema } from './docs-assets.js';
import { readinessProblemSchema, retryAfterHeaderSchema } from './problem.schemas.js';
import { PUBLIC, WITH_BODY, json, problems } from './responses.js';

const signatureHeader = z.object({
  'X-Hub-Signature-256': z
    .string()
    .meta({ description: '`sha256=<hex HMAC-SHA256(app secret, raw body)>`, as Meta signs it.', example: 'sha256=…' }),
});

/** What needs no token: health and metrics, Meta's signed webhooks, and this documentation. */
export const publicPaths: ZodOpenApiPathsObject = {
  '/health': {
    get: {
      tags: ['Health'],
      operationId: 'health',
      summary: 'Liveness: the process serves HTTP',
      security: PUBLIC,
      responses: { '200': json('Alive', z.strictObject({ status: z.literal('ok') })), ...problems([]) },
    },
  },
  '/health/ready': {
    get: {
      tags: ['Health'],
      operationId: 'ready',
      summary: 'Readiness: database, Temporal, Redis (when configured) and the worker answer',
      security: PUBLIC,
      responses: {
        '200': json(
          'Ready',
          z.strictObject({ status: z.literal('ready'), checks: z.record(z.string(), z.literal('ok')) }),
        ),
        '503': {
          description: 'Not ready: `detail` names the failing parts, `checks` says how each is.',
          content: { 'application/problem+json': { schema: readinessProblemSchema } },
          headers: z.object({ 'Retry-After': retryAfterHeaderSchema }),
        },
        ...problems([]),
      },
    },
  },
  '/metrics': {
    get: {
      tags: ['Health'],
      operationId: 'metrics',
      summary: 'Prometheus metrics of this process (and of its Temporal worker, when it runs one)',
      description: 'Public like the health checks: no tenant’s ids or data.',
      security: PUBLIC,
      responses: {
        '200': { description: 'The Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
        ...problems([]),
      },
    },
  },
  '/webhooks/whatsapp/{chatbotId}': {
    get: {
      tags: ['WhatsApp'],
      operationId: 'whatsAppHandshake',
      summary: 'Meta’s verification handshake',
      description:
        'Answers `hub.challenge` when `hub.mode` is `subscribe` and `hub.verify_token` is the chatbot’s verify token.',
      security: PUBLIC,
      requestParams: { path: whatsAppChatbotParamSchema, query: whatsAppHandshakeQuerySchema },
      responses: {
        '200': { description: 'The challenge, echoed', content: { 'text/plain': { schema: z.string() } } },
        ...problems([400, 403, 404, 503], {
          403: 'The verify token does not match.',
          404: 'Unknown chatbot, or one without WhatsApp settings.',
        }),
      },
    },
    post: {
      tags: ['WhatsApp'],
      operationId: 'whatsAppNotification',
      summary: 'Meta’s notifications: inbound messages and delivery statuses',
      description:
        'Accepted only with a valid `X-Hub-Signature-256` over the raw body; nothing is stored otherwise. Repeats are dropped by WhatsApp message id.',
      security: PUBLIC,
      requestParams: { path: whatsAppChatbotParamSchema, header: signatureHeader },
      requestBody: { required: true, content: { 'application/json': { schema: whatsAppPayloadSchema } } },
      responses: {
        '200': json('Received', z.strictObject({ received: z.literal(true) })),
        ...problems([...WITH_BODY, 401, 404, 503], {
          401: 'Missing or invalid X-Hub-Signature-256.',
          404: 'Unknown chatbot, or one without WhatsApp settings.',
        }),
      },
    },
  },
  '/openapi.json': {
    get: {
      tags: ['Documentation'],
      operationId: 'openApiDocument',
      summary: 'This OpenAPI 3.1 document',
      security: PUBLIC,
      responses: {
        '200': {
          description: 'The document',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
        ...problems([]),
      },
    },
  },
  '/docs': {
    get: {
      tags: ['Documentation'],
      operationId: 'docsPage',
      summary: 'This document in Swagger UI',
      security: PUBLIC,
      responses: {
        '200': { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
        ...problems([]),
      },
    },
  },
  '/docs/{asset}': {
    get: {
      tags: ['Documentation'],
      operationId: 'docsAsset',
      summary: 'A file of the docs page (Swagger UI, served from the installed swagger-ui-dist)',
      security: PUBLIC,
      requestParams: { path: docsAssetParamSchema },
      responses: {
        '200': {
          description: 'The file',
          content: {
            'text/css': { schema: z.string() },
            'text/javascript': { schema: z.string() },
            'image/png': { schema: z.string().meta({ contentMediaType: 'image/png' }) },
          },
        },
        ...problems([404], { 404: 'No such file.' }),
      },
    },
  },
};
