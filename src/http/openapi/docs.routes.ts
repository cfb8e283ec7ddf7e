import { createReadStream } from 'node:fs';
import Router from '@koa/router';
import { notFound } from '../../errors.js';
import {
  DOCS_INIT_FILE,
  DOCS_INIT_SCRIPT,
  DOCS_PAGE,
  SWAGGER_UI_FILES,
  docsAssetParamSchema,
  swaggerUiPath,
} from './docs-assets.js';
import { buildOpenApiDocument } from './document.js';

/**
 * Public, before auth: GET /openapi.json (the OpenAPI 3.1 document, built once from the routes'
 * zod schemas), GET /docs (Swagger UI) and its assets, served from the installed swagger-ui-dist.
 */
export function docsRoutes(): Router {
  const document = JSON.stringify(buildOpenApiDocument());
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = document;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DOCS_PAGE;
  });
  router.get('/docs/:asset', (ctx) => {
    const params = docsAssetParamSchema.safeParse(ctx.params);
    if (!params.success) throw notFound('Asset');
    const { asset } = params.data;
    ctx.set('Cache-Control', 'public, max-age=3600');
    if (asset === DOCS_INIT_FILE) {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = DOCS_INIT_SCRIPT;
    } else {
      ctx.type = SWAGGER_UI_FILES[asset];
      ctx.body = createReadStream(swaggerUiPath(asset));
    }
  });
  return router;
}
