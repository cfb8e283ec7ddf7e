import { z } from 'zod';
import { json } from '../http/openapi/responses.js';
import { route, type Route } from '../http/route.js';
import { buildAsyncApiDocument } from './asyncapi.js';

/** Public: GET /asyncapi.json, the AsyncAPI 3.0 document of the Socket.IO events (built once). */
export function asyncApiRoutes(): Route[] {
  const document = JSON.stringify(buildAsyncApiDocument());
  return [
    route({
      method: 'get',
      path: '/asyncapi.json',
      access: 'public',
      operationId: 'asyncApiDocument',
      tags: ['Documentation'],
      summary: 'The AsyncAPI 3.0 document of the realtime events (Socket.IO, namespace /messages)',
      responses: { '200': json('The document', z.record(z.string(), z.unknown())) },
      handle({ ctx }) {
        ctx.type = 'application/json';
        return document;
      },
    }),
  ];
}
