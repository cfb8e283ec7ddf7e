import { z } from 'zod';
import { parseOrigin } from '../lib/origin.js';
import { isStorableText } from '../lib/text.js';

/** Parses input with a schema; a ZodError becomes a 400 with per-field errors in the error middleware. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  return schema.parse(input);
}

/** A whole number from a query string, bounded; anything else ("1.5", "abc", "") is invalid. */
export const intParam = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

export const uuidParam = z.object({ id: z.uuid() });

const NOT_STORABLE = 'must be valid Unicode text without NUL characters';

/** A string field that reaches PostgreSQL: every one goes through this. */
export const storableText = () => z.string().refine(isStorableText, NOT_STORABLE);

const MAX_JSON_DEPTH = 32;

/** The first problem of a JSON value bound for a jsonb column: unstorable keys or strings, or nesting too deep. */
function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : NOT_STORABLE;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_JSON_DEPTH) return `must not nest deeper than ${MAX_JSON_DEPTH} levels`;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === 'string' && !isStorableText(key)) return `keys ${NOT_STORABLE}`;
    const problem = jsonProblem(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** A JSON object bound for a jsonb column, at most `maxBytes` as JSON. */
export const storableJsonObject = (maxBytes: number) =>
  z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (Buffer.byteLength(JSON.stringify(value)) > maxBytes)
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes / 1024} KiB as JSON` });
  });

/** An origin a browser may call from: `http(s)://host[:port]` (src/lib/origin.ts), stored normalized. */
export const originSchema = z
  .string()
  .max(2048)
  .transform((value, ctx) => {
    const origin = parseOrigin(value.trim());
    if (origin === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an origin: http(s)://host[:port], with no path' });
      return z.NEVER;
    }
    return origin;
  });
