import { z } from 'zod';

/** Parses input with a schema; a ZodError becomes a 400 with per-field errors in the error middleware. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  return schema.parse(input);
}

/** A whole number from a query string, bounded; anything else ("1.5", "abc", "") is invalid. */
export const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const uuidParam = z.object({ id: z.uuid() });
