import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** The installed swagger-ui-dist package: the docs page's assets come from it, never from a CDN. */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist that /docs/{asset} serves, with their media types. */
export const SWAGGER_UI_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;

export type SwaggerUiFile = keyof typeof SWAGGER_UI_FILES;

/** Our own start script for the page (a file, not inline, so a strict Content-Security-Policy can allow it). */
export const DOCS_INIT_FILE = 'init.js';

/** Every name /docs/{asset} answers. */
export const DOCS_ASSETS = [...(Object.keys(SWAGGER_UI_FILES) as SwaggerUiFile[]), DOCS_INIT_FILE] as const;

/** GET /docs/{asset}: one of the page's files; any other name is a 404. */
export const docsAssetParamSchema = z.object({ asset: z.enum(DOCS_ASSETS) });

export const swaggerUiPath = (file: SwaggerUiFile): string => join(SWAGGER_UI_DIR, file);

export const DOCS_INIT_SCRIPT = `window.onload = () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;

export const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>chatflow API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/${DOCS_INIT_FILE}"></script>
  </body>
</html>
`;
