import Router from '@koa/router';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import type { z } from 'zod';
import { callerFromClaims, type Caller } from '../auth/tokens.js';
import { forbidden, notFound } from '../errors.js';
import { withoutFlowLinks } from '../model/links.js';
import { crossOriginOf, withdrawCors, type OriginPolicy } from './cors.js';
import { successStatus, type Route } from './route.js';
import { parse } from './validate.js';

/**
 * Serves declared routes (src/http/route.ts) on the app, in the order given. Public routes answer
 * anyone. The others need a Bearer HS256 JWT (koa-jwt checks its signature and `exp`; its `sub` is
 * the tenant), and a widget token reaches only the routes declared `access: 'widget'`: any other
 * route, or a path and method no route declares, is a 403 for it. From a page on another site
 * (`cors`), a widget token is answered only where its chatbot allows that site, and a customer's
 * token only where CORS_ORIGINS names it.
 */
export function serveRoutes(
  app: Koa,
  routes: Route[],
  options: { jwtSecret?: string; orm?: MikroORM; origins?: OriginPolicy } = {},
): void {
  const router = new Router();
  const declared = new Map<string, Route>();
  for (const spec of routes) {
    declared.set(spec.operationId, spec);
    router.register(spec.path, [spec.method.toUpperCase()], handlerOf(spec, options.orm), { name: spec.operationId });
  }
  if (routes.some((spec) => spec.access !== 'public')) {
    if (!options.jwtSecret) throw new Error('Routes that need a token need the JWT secret');
    app.use(koaJwt({ secret: options.jwtSecret, algorithms: ['HS256'], key: 'claims' }));
    app.use(fence(router, declared, options.origins));
  }
  app.use(router.routes());
  app.use(router.allowedMethods());
}

/** Who calls, and for a widget token only the routes declared for it, from its chatbot's sites. */
function fence(router: Router, declared: Map<string, Route>, origins: OriginPolicy | undefined): Middleware {
  return async (ctx, next) => {
    const caller = callerFromClaims(ctx.state.claims);
    ctx.state.caller = caller;
    const origin = crossOriginOf(ctx);
    if (origin && origins) await requireAllowedOrigin(ctx, caller, origin, origins);
    if (caller.widget) {
      const layer = router.match(ctx.path, ctx.method).pathAndMethod.find((l) => l.name && declared.has(l.name));
      const spec = declared.get(layer?.name ?? '');
      // Exactly the declared method: the router would also answer HEAD on a GET route.
      if (spec?.access !== 'widget' || spec.method.toUpperCase() !== ctx.method) {
        throw forbidden('A widget token can only send as its end user and read that user’s conversations');
      }
    }
    await next();
    // The Temporal UI's addresses are for ops, not for an end user's browser.
    if (caller.widget && ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) {
      ctx.body = withoutFlowLinks(ctx.body as object);
    }
  };
}

async function requireAllowedOrigin(ctx: Context, caller: Caller, origin: string, origins: OriginPolicy) {
  if (origins.operators.has(origin)) return;
  if (caller.widget && (await origins.chatbotAllows(caller.widget.chatbotId, origin))) return;
  withdrawCors(ctx);
  throw forbidden(
    caller.widget
      ? `Pages on ${origin} may not use this chatbot: its widget.allowedOrigins does not name that origin`
      : `A customer token is not accepted from pages on ${origin}: CORS_ORIGINS does not name that origin`,
  );
}

/** Parses the request with the route's schemas (a ZodError is a 400 naming each field), then answers. */
function handlerOf(spec: Route, orm: MikroORM | undefined): Middleware {
  const schemas = spec.request ?? {};
  return async (ctx) => {
    const caller = ctx.state.caller as Caller;
    const request = lazyEntityManager(orm, spec.operationId);
    const params: unknown = schemas.params && parseParams(spec, schemas.params, ctx.params);
    const query: unknown = schemas.query && parse(schemas.query, ctx.query);
    const verify = spec.verify as
      ((input: { params: unknown; em: EntityManager; ctx: Context }) => Promise<unknown>) | undefined;
    const verified: unknown = verify && (await verify(Object.assign(request, { params, ctx })));
    let raw: unknown = ctx.request.body;
    if (spec.optionalBody) raw ??= {};
    if (spec.prepareBody) raw = spec.prepareBody(raw, caller);
    const body: unknown = schemas.body && parse(schemas.body, raw);
    const headers: unknown = schemas.headers && parse(schemas.headers, headersOf(schemas.headers, ctx));
    ctx.status = successStatus(spec);
    const input = Object.assign(request, { params, query, body, headers, caller, verified, ctx });
    const answer = await spec.handle(input as Parameters<Route['handle']>[0]);
    if (answer !== undefined) ctx.body = answer;
  };
}

/** `{ em }`: the request's own fork of the ORM's entity manager, made when a handler first asks. */
function lazyEntityManager(orm: MikroORM | undefined, operationId: string): { readonly em: EntityManager } {
  let fork: EntityManager | undefined;
  return {
    get em() {
      if (!orm) throw new Error(`${operationId} is served without a database`);
      return (fork ??= orm.em.fork());
    },
  };
}

/** The path's parameters; where a path names things that may not exist, one that does not parse is a 404. */
function parseParams(spec: Route, schema: z.ZodType, params: unknown): unknown {
  if (!spec.unknownPath) return parse(schema, params);
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound(spec.unknownPath);
  return parsed.data;
}

/** The headers a schema names, as given (absent or empty: undefined). */
function headersOf(schema: z.ZodObject, ctx: Context): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(schema.shape).map((name) => [name, ctx.get(name) || undefined]));
}
