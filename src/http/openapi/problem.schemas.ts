import { z } from 'zod';

/** The RFC 9457 body of every error (src/http/errors.ts builds it). */
export const problemSchema = z
  .strictObject({
    type: z.string().meta({ example: 'about:blank' }),
    title: z.string().meta({ example: 'Not Found' }),
    status: z.number().int().min(400).max(599),
    detail: z.string().meta({ example: 'Chatbot not found' }),
    errors: z
      .array(z.strictObject({ path: z.string().meta({ example: 'content' }), message: z.string() }))
      .optional()
      .meta({ description: 'One entry per invalid field (400 only).' }),
  })
  .meta({ id: 'Problem', description: 'application/problem+json (RFC 9457). Never a stack trace or SQL.' });

/** GET /health/ready when not ready: the problem plus the state of each check. */
export const readinessProblemSchema = problemSchema
  .extend({
    checks: z
      .record(z.string(), z.string())
      .meta({ description: '`ok`, `down`, `timeout`, `connecting`, `starting`, or the worker’s state' }),
  })
  .meta({ id: 'ReadinessProblem' });

/** `Retry-After` on 503 and 429: whole seconds to wait before retrying. */
export const retryAfterHeaderSchema = z
  .string()
  .regex(/^\d+$/)
  .meta({ description: 'Seconds to wait before retrying.', example: '5' });
