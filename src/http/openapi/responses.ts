import { z } from 'zod';
import type { ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import { problemSchema, retryAfterHeaderSchema } from './problem.schemas.js';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** What each error means on any route; a route may say more (its 409s differ). */
const MEANINGS: Record<ErrorStatus | 500, [id: string, description: string]> = {
  400: [
    'BadRequest',
    'Invalid input: malformed JSON, wrong types, unknown fields or enum values, ids that are not UUIDs, paging out of range, a body that is not what its Content-Encoding says. `errors` names each invalid field. Nothing changed.',
  ],
  401: ['Unauthorized', 'Missing, invalid or expired token, or a `sub` that is not a storable string.'],
  403: ['Forbidden', 'A widget token on an endpoint it may not call at all.'],
  404: ['NotFound', 'Unknown, or not the caller’s (the two are indistinguishable).'],
  409: ['Conflict', 'The resource’s state does not allow this.'],
  413: ['PayloadTooLarge', 'Body over 64 KiB (also once decompressed).'],
  415: ['UnsupportedMediaType', 'A Content-Encoding other than gzip, deflate or br, or a charset other than UTF-8.'],
  422: ['IdempotencyKeyReused', 'The Idempotency-Key was used before with another body.'],
  429: [
    'TooManyRequests',
    'Over a send limit (the customer’s, the chatbot’s or the end user’s, per minute; `detail` names it): retry after `Retry-After` seconds. Nothing was stored.',
  ],
  500: ['InternalError', 'A real server fault; details are logged, never sent.'],
  503: [
    'ServiceUnavailable',
    'A dependency (the database; Temporal for a retry) is unreachable and nothing was stored: retry after `Retry-After` seconds (sends with the same Idempotency-Key).',
  ],
};

const RETRY_AFTER: ReadonlySet<number> = new Set([429, 503]);

function problemResponse(status: ErrorStatus | 500, description: string, id?: string): ZodOpenApiResponseObject {
  return {
    ...(id ? { id } : {}),
    description,
    content: { 'application/problem+json': { schema: problemSchema } },
    ...(RETRY_AFTER.has(status) ? { headers: z.object({ 'Retry-After': retryAfterHeaderSchema }) } : {}),
  };
}

/** The shared responses, registered as components (zod-openapi registers an id once, so one object each). */
const SHARED = new Map(
  Object.entries(MEANINGS).map(([status, [id, meaning]]) => [
    Number(status),
    problemResponse(Number(status) as ErrorStatus, meaning, id),
  ]),
);

/** The problem+json answers of a route (500 always), each with the shared meaning unless `say` words it for this route. */
export function problems(
  statuses: ErrorStatus[],
  say: Partial<Record<ErrorStatus, string>> = {},
): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const status of [...statuses, 500 as const]) {
    const own = status === 500 ? undefined : say[status];
    responses[`${status}`] = own ? problemResponse(status, own) : SHARED.get(status)!;
  }
  return responses;
}

/** A JSON success response. */
export function json(
  description: string,
  schema: z.ZodType,
  headers?: ZodOpenApiResponseObject['headers'],
): ZodOpenApiResponseObject {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) };
}

/** A JSON request body (required unless said otherwise). */
export function jsonBody(schema: z.ZodType, required = true) {
  return { required, content: { 'application/json': { schema } } };
}

/** Security requirements: customer tokens only, customer or widget tokens, or none (public). */
type Security = Record<string, string[]>[];
export const CUSTOMER: Security = [{ customerToken: [] }];
export const CUSTOMER_OR_WIDGET: Security = [{ customerToken: [] }, { widgetToken: [] }];
export const PUBLIC: Security = [];

/** Statuses every authenticated route can answer; customer-only ones add 403 (a widget token). */
export const AUTHED: ErrorStatus[] = [401, 503];
export const CUSTOMER_ONLY: ErrorStatus[] = [401, 403, 503];
/** A JSON body adds 400 (invalid), 413 (too large) and 415 (encoding, charset). */
export const WITH_BODY: ErrorStatus[] = [400, 413, 415];
