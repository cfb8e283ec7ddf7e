import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { pagePolicy } from '../csp.js';
import { json } from './responses.js';
import { route, type Route } from '../route.js';
import {
  DOCS_INIT_FILE,
  DOCS_INIT_SCRIPT,
  DOCS_PAGE,
  SWAGGER_UI_FILES,
  docsAssetParamSchema,
  swaggerUiPath,
} from './docs-assets.js';

const tags = ['Documentation'];

/** Swagger UI sets style attributes as it renders: those are allowed, inline scripts are not. */
const DOCS_POLICY = pagePolicy({ styleAttributes: true });

/**
 * Public: GET /openapi.json (the OpenAPI 3.1 document, built once from the route declarations),
 * GET /docs (Swagger UI) and its assets, served from the installed swagger-ui-dist (no CDN).
 */
export function docsRoutes(document: () => string): Route[] {
  return [
    route({
      method: 'get',
      path: '/openapi.json',
      access: 'public',
      operationId: 'openApiDocument',
      tags,
      summary: 'This OpenAPI 3.1 document',
      responses: { '200': json('The document', z.record(z.string(), z.unknown())) },
      handle({ ctx }) {
        ctx.type = 'application/json';
        return document();
      },
    }),
    route({
      method: 'get',
      path: '/docs',
      access: 'public',
      operationId: 'docsPage',
      tags,
      summary: 'This document in Swagger UI',
      responses: { '200': { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
      handle({ ctx }) {
        ctx.type = 'text/html; charset=utf-8';
        ctx.set('Content-Security-Policy', DOCS_POLICY);
        return DOCS_PAGE;
      },
    }),
    route({
      method: 'get',
      path: '/docs/:asset',
      access: 'public',
      operationId: 'docsAsset',
      tags,
      summary: 'A file of the docs page (Swagger UI, served from the installed swagger-ui-dist)',
      request: { params: docsAssetParamSchema },
      unknownPath: 'Asset',
      responses: {
        '200': {
          description: 'The file',
          content: {
            'text/css': { schema: z.string() },
            'text/javascript': { schema: z.string() },
            'image/png': { schema: z.string().meta({ contentMediaType: 'image/png' }) },
          },
        },
      },
      errors: [404],
      say: { 404: 'No such file.' },
      handle({ params: { asset }, ctx }) {
        ctx.set('Cache-Control', 'public, max-age=3600');
        if (asset === DOCS_INIT_FILE) {
          ctx.type = 'text/javascript; charset=utf-8';
          return DOCS_INIT_SCRIPT;
        }
        ctx.type = SWAGGER_UI_FILES[asset];
        return createReadStream(swaggerUiPath(asset));
      },
    }),
  ];
}
