import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import { customerIdFromClaims } from '../auth/tokens.js';

export interface AuthState {
  customerId: string;
}

/** Bearer HS256 JWT (koa-jwt: signature and exp); the tenant is the token's `sub`. */
export function requireAuth(secret: string): Middleware[] {
  return [
    koaJwt({ secret, algorithms: ['HS256'], key: 'claims' }),
    async (ctx, next) => {
      ctx.state.customerId = customerIdFromClaims(ctx.state.claims);
      await next();
    },
  ];
}
