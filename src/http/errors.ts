import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import { NotFoundError } from '@mikro-orm/core';
import { ZodError } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** RFC 9457 problem for any error; 5xx never carries internals. */
function toProblem(err: unknown): Problem {
  const problem = (status: number, detail: string): Problem => ({
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
  });
  if (err instanceof ZodError) {
    return {
      ...problem(400, 'The request is invalid'),
      errors: err.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  }
  if (err instanceof AppError) return problem(err.status, err.message);
  if (err instanceof NotFoundError) return problem(404, 'Not found');
  const status = httpStatusOf(err);
  if (status === 401) return problem(401, 'Missing or invalid token');
  if (status === 413) return problem(413, 'Request body is larger than 64 KiB');
  if (status === 415) return problem(415, 'Only application/json bodies are accepted');
  if (status === 400) return problem(400, 'Malformed JSON body');
  return problem(500, 'An unexpected error occurred');
}

/** Status set by Koa middleware errors (http-errors: koa-jwt, the body parser). */
function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose !== false ? status : undefined;
}

/** The one error middleware, registered first: every failure leaves as application/problem+json. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError(404, 'Not Found', 'No such endpoint');
    } catch (err) {
      const problem = toProblem(err);
      if (problem.status >= 500) logger.error('request failed', { method: ctx.method, path: ctx.path, err });
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem;
    }
  };
}
