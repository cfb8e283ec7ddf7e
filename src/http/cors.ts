import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { isSameOrigin } from '../lib/origin.js';
import type { Route } from './route.js';

/**
 * Which sites' pages may call: the operator's dashboards (CORS_ORIGINS) on every route, and on the
 * routes an end user's browser calls, the sites where chatbots' widgets are embedded.
 */
export interface OriginPolicy {
  /** CORS_ORIGINS: an operator's dashboard, allowed on every route with any token. */
  operators: ReadonlySet<string>;
  /** Whether some live chatbot's widget allows this origin (a preflight names no chatbot). */
  anyChatbotAllows(origin: string): Promise<boolean>;
  /** Whether this chatbot's widget allows this origin. */
  chatbotAllows(chatbotId: string, origin: string): Promise<boolean>;
}

/** The request headers a browser may send, and the response headers its page may read. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key';
const EXPOSED_HEADERS = 'Idempotent-Replayed, Retry-After, ETag, Location';
/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** A route an end user's browser calls: the widget's, and the public ones declared for browsers. */
export const isBrowserRoute = (spec: Route): boolean => spec.access === 'widget' || spec.browser === true;

/**
 * CORS, before authentication (a preflight carries no token): a preflight is answered here, 204,
 * with `Access-Control-Allow-Origin` echoing the origin only when it may call that route — never
 * `*`. An actual request from such an origin gets the same header (on errors too, so the page can
 * read a 401 or a 429); `ctx.state.crossOrigin` tells the routes after it that the request came
 * from another site, whose origin they then check against the one chatbot it speaks for
 * (src/http/router.ts, POST /widget-sessions). Same-origin pages (/docs, /demo) need none of it.
 */
export function cors(routes: Route[], policy: OriginPolicy): Middleware {
  const matcher = new Router();
  const declared = new Map<string, Route>();
  for (const spec of routes) {
    declared.set(spec.operationId, spec);
    matcher.register(spec.path, [spec.method.toUpperCase()], () => undefined, { name: spec.operationId });
  }
  const routeOf = (ctx: Context, method: string): Route | undefined => {
    const layer = matcher.match(ctx.path, method).pathAndMethod.find((l) => l.name && declared.has(l.name));
    return declared.get(layer?.name ?? '');
  };
  const allows = async (spec: Route | undefined, origin: string) =>
    policy.operators.has(origin) || (spec !== undefined && isBrowserRoute(spec) && policy.anyChatbotAllows(origin));

  return async (ctx, next) => {
    const origin = ctx.get('Origin');
    if (origin) ctx.vary('Origin');
    const requested = ctx.method === 'OPTIONS' ? ctx.get('Access-Control-Request-Method').toUpperCase() : '';
    const spec = origin ? routeOf(ctx, requested || ctx.method) : undefined;
    // No origin, the product's own pages, or a preflight for no route: answered as for anyone.
    if (!origin || isSameOrigin(origin, ctx.host) || (requested && !spec)) {
      await next();
      return;
    }
    if (requested && spec) {
      ctx.status = 204;
      if (await allows(spec, origin)) {
        ctx.set('Access-Control-Allow-Origin', origin);
        ctx.set('Access-Control-Allow-Methods', spec.method.toUpperCase());
        ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        ctx.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      }
      return;
    }
    ctx.state.crossOrigin = origin;
    if (await allows(spec, origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    await next();
  };
}

/** The origin of a request from another site (set by `cors`), if it came from one. */
export const crossOriginOf = (ctx: Context): string | undefined => ctx.state.crossOrigin as string | undefined;

/** Takes back the CORS grant of a request its chatbot refused: its page must not read the answer. */
export function withdrawCors(ctx: Context): void {
  ctx.remove('Access-Control-Allow-Origin');
  ctx.remove('Access-Control-Expose-Headers');
}
