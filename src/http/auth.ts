import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import { callerFromClaims, type WidgetScope } from '../auth/tokens.js';
import { forbidden } from '../errors.js';
import { withoutFlowLinks } from '../temporal/ui-links.js';

export interface AuthState {
  customerId: string;
  /** Set for a widget token: the one chatbot and end user it may act for. */
  widget?: WidgetScope;
}

/**
 * What a widget token may call: sending as its end user, and reading that user's conversations
 * and messages. Everything else is a customer's (403 for a widget token); ids outside its scope
 * are 404 in the routes themselves, like any id that is not the caller's.
 */
const WIDGET_ROUTES: [method: string, path: RegExp][] = [
  ['POST', /^\/messages\/send\/?$/],
  ['GET', /^\/messages\/conversation\/[^/]+\/?$/],
  ['GET', /^\/messages\/[^/]+\/?$/],
  ['GET', /^\/conversations\/?$/],
  ['GET', /^\/conversations\/[^/]+\/?$/],
];

/** Bearer HS256 JWT (koa-jwt: signature and exp); the tenant is the token's `sub`, a widget token is fenced in. */
export function requireAuth(secret: string): Middleware[] {
  return [
    koaJwt({ secret, algorithms: ['HS256'], key: 'claims' }),
    async (ctx, next) => {
      const caller = callerFromClaims(ctx.state.claims);
      ctx.state.customerId = caller.customerId;
      ctx.state.widget = caller.widget;
      if (caller.widget && !WIDGET_ROUTES.some(([method, path]) => ctx.method === method && path.test(ctx.path))) {
        throw forbidden('A widget token can only send as its end user and read that user’s conversations');
      }
      await next();
      // The Temporal UI's addresses are for ops, not for an end user's browser.
      if (caller.widget && ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body))
        ctx.body = withoutFlowLinks(ctx.body);
    },
  ];
}
