import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { route, type Route } from '../../http/route.js';
import { buildWidget } from '../../widget/build.js';

interface Bundle {
  code: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** How long a browser uses its copy before it asks again (with If-None-Match: a 304 when unchanged). */
const MAX_AGE_SECONDS = 300;

/**
 * GET /widget.js: the chat widget (src/widget), bundled with its Socket.IO client by esbuild once,
 * at the first request, and kept in memory; gzipped when the browser accepts it, with an ETag.
 */
export function widgetScriptRoutes(): Route[] {
  let bundle: Promise<Bundle> | undefined;
  const load = () =>
    (bundle ??= buildWidget().then(({ code, etag }) => {
      const bytes = Buffer.from(code);
      return { code: bytes, gzipped: gzipSync(bytes, { level: 9 }), etag };
    })).catch((err: unknown) => {
      bundle = undefined; // a failed build is tried again by the next request
      throw err;
    });
  return [
    route({
      method: 'get',
      path: '/widget.js',
      access: 'public',
      operationId: 'widgetScript',
      tags: ['Widget tokens'],
      summary: 'The chat widget: one script, embedded with one tag',
      description:
        '`<script src="…/widget.js" data-chatbot-id="<chatbotId>" async></script>` (optional `data-user-id`, `data-user-hash`), or `Chatflow.mount({ baseUrl, chatbotId, user?, getToken? })`. Cached with an ETag.',
      responses: {
        '200': { description: 'The script', content: { 'text/javascript': { schema: z.string() } } },
        '304': { description: 'Not modified (If-None-Match)' },
      },
      async handle({ ctx }) {
        const { code, gzipped, etag } = await load();
        ctx.set('ETag', etag);
        ctx.set('Cache-Control', `public, max-age=${MAX_AGE_SECONDS}, must-revalidate`);
        ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
        ctx.vary('Accept-Encoding');
        ctx.type = 'text/javascript; charset=utf-8';
        if (matches(ctx.get('If-None-Match'), etag)) {
          ctx.status = 304;
          return undefined;
        }
        if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
          ctx.set('Content-Encoding', 'gzip');
          return gzipped;
        }
        return code;
      },
    }),
  ];
}

/** RFC 9110 If-None-Match (weak comparison): whether the browser's copy is this one. */
function matches(ifNoneMatch: string, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === etag;
  });
}
