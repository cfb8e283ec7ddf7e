import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import { NotFoundError } from '@mikro-orm/core';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { AppError, TooManyRequests } from '../errors.js';
import type { Logger } from '../logger.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** How long a client should wait before retrying a request that met a database outage. */
export const RETRY_AFTER_SECONDS = 5;

/** What a client is told for errors raised by Koa middleware (http-errors), by status. */
const MIDDLEWARE_DETAILS: Record<number, string> = {
  400: 'Malformed JSON body',
  401: 'Missing or invalid token',
  413: 'Request body is larger than 64 KiB',
  415: 'Unsupported media type, charset or Content-Encoding (send application/json, UTF-8; gzip, deflate and br are accepted)',
};

export const problem = (status: number, detail: string): Problem => ({
  type: 'about:blank',
  title: STATUS_CODES[status] ?? 'Error',
  status,
  detail,
});

/** RFC 9457 problem for any error; 5xx never carries internals. */
function toProblem(err: unknown): Problem {
  if (err instanceof ZodError) {
    return {
      ...problem(400, 'The request is invalid'),
      errors: err.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  }
  if (err instanceof AppError) return problem(err.status, err.message);
  if (err instanceof NotFoundError) return problem(404, 'Not found');
  if (isDatabaseUnavailable(err)) {
    return problem(
      503,
      'The service is briefly unavailable and stored nothing; retry shortly (with the same Idempotency-Key for sends)',
    );
  }
  if (isUndecodableBody(err)) return problem(400, 'The request body does not match its Content-Encoding');
  const status = httpStatusOf(err);
  if (status !== undefined) return problem(status, MIDDLEWARE_DETAILS[status] ?? STATUS_CODES[status] ?? 'Bad request');
  return problem(500, 'An unexpected error occurred');
}

/** Status set by Koa middleware errors (http-errors: koa-jwt, the body parser, the router). */
function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose !== false ? status : undefined;
}

/** A body that claims gzip/deflate/br but is not: zlib's errors carry a Z_* code. */
function isUndecodableBody(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** The one error middleware, registered first: every failure leaves as application/problem+json. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // The router answers unknown paths and methods without a body: give them one like any error.
      if (ctx.body === undefined && [404, 405, 501].includes(ctx.status)) {
        if (ctx.status !== 404 && ctx.response.get('Allow'))
          throw new AppError(405, 'Method Not Allowed', `Use ${ctx.response.get('Allow')} on this endpoint`);
        throw new AppError(404, 'Not Found', 'No such endpoint');
      }
    } catch (err) {
      const body = toProblem(err);
      if (body.status === 503)
        logger.warn({ method: ctx.method, path: ctx.path, err: String(err) }, 'request met a database outage');
      else if (body.status >= 500) logger.error({ method: ctx.method, path: ctx.path, err }, 'request failed');
      ctx.status = body.status;
      if (body.status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      if (err instanceof TooManyRequests) ctx.set('Retry-After', String(err.retryAfterSeconds));
      ctx.type = 'application/problem+json';
      ctx.body = body;
    }
  };
}
