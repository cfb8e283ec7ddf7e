import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { ZodOpenApiResponsesObject } from 'zod-openapi';
import type { Caller } from '../auth/tokens.js';
import type { ErrorStatus } from './openapi/responses.js';

/**
 * Who may call a route: anyone (health, docs, webhooks signed by their sender), a customer's
 * token only, or a customer's token and an end user's widget token (which the route then keeps
 * to its one chatbot and end user).
 */
export type Access = 'public' | 'customer' | 'widget';

/** The zod schemas a route parses its request with; the OpenAPI document shows the same ones. */
export interface RequestSchemas {
  params?: z.ZodType<unknown, Record<string, unknown>>;
  query?: z.ZodType<unknown, Record<string, unknown>>;
  body?: z.ZodType;
  headers?: z.ZodObject;
}

type Parsed<S extends RequestSchemas, K extends keyof RequestSchemas> = S[K] extends z.ZodType
  ? z.infer<S[K]>
  : undefined;

/** What a handler gets: the parsed request, who calls, and the Koa context for headers. */
export interface RouteInput<S extends RequestSchemas> {
  params: Parsed<S, 'params'>;
  query: Parsed<S, 'query'>;
  body: Parsed<S, 'body'>;
  headers: Parsed<S, 'headers'>;
  /** The verified caller; absent on public routes. */
  caller: Caller;
  /** What the route's `verify` returned (a signed webhook's settings). */
  verified: unknown;
  /** This request's own entity manager (a fork of the ORM's, made on first use). */
  em: EntityManager;
  ctx: Context;
}

/**
 * One HTTP route, declared once: method, path, who may call it, the request and response schemas
 * and the words of its documentation. The router (src/http/router.ts), the authorization fence
 * and the OpenAPI document are all built from these; a route that is not declared is not served.
 */
export interface Route<S extends RequestSchemas = RequestSchemas> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Koa style: `/chatbots/:id`. */
  path: string;
  access: Access;
  /**
   * A public route an end user's browser calls (POST /widget-sessions): CORS for the chatbots'
   * widget origins, like the `widget` routes (src/http/cors.ts). It checks its chatbot's origin itself.
   */
  browser?: true;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  request?: S;
  /** A body that may be left out (the conversation actions' optional reason). */
  optionalBody?: boolean;
  /** Shapes the raw body before it is parsed (a widget token's defaults). */
  prepareBody?: (body: unknown, caller: Caller) => unknown;
  /**
   * A signed request's check (a provider's webhook), after the path and query are parsed and
   * before the body is: it throws (401, 403, 404) or returns what the handler gets as `verified`.
   */
  verify?: (input: { params: Parsed<S, 'params'>; em: EntityManager; ctx: Context }) => Promise<unknown>;
  /** A path that does not parse names nothing that exists: 404 with this detail instead of a 400. */
  unknownPath?: string;
  /** The success responses; the first one's status is what the handler answers with. */
  responses: ZodOpenApiResponsesObject;
  /**
   * The error statuses the route answers besides the ones its access implies (401, 403 for
   * customer-only routes, 503); each with its shared meaning unless `say` words it for this route.
   */
  errors?: ErrorStatus[];
  say?: Partial<Record<ErrorStatus, string>>;
  /** Answers the request: what it returns is the body (undefined: none, or set on ctx). */
  handle(input: RouteInput<S>): unknown;
}

/** Declares a route (an identity function that infers the handler's input types from the schemas). */
export function route<S extends RequestSchemas>(spec: Route<S>): Route {
  return spec;
}

/** The status of a route's success response. */
export function successStatus(spec: Route): number {
  return Number(Object.keys(spec.responses)[0]);
}
