import type { CreateDocumentOptions } from 'zod-openapi';

type Override = NonNullable<CreateDocumentOptions['override']>;
type Def = {
  type: string;
  out?: { _zod: { def: { type: string } } } & { minValue?: number | null; maxValue?: number | null; isInt?: boolean };
  defaultValue?: unknown;
};

/**
 * How the document shows what zod renders poorly as input: a query integer (validate.ts
 * `intParam`, a digit string piped into a bounded number) as the integer it is, and defaults,
 * which zod leaves out of input schemas.
 */
export const inputOverrides: Override = ({ jsonSchema, zodSchema, io }) => {
  if (io !== 'input') return;
  const def = (zodSchema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.type === 'pipe' && def.out?._zod.def.type === 'number' && jsonSchema.type === 'string') {
    const { minValue, maxValue, isInt } = def.out;
    delete jsonSchema.pattern;
    jsonSchema.type = isInt ? 'integer' : 'number';
    if (typeof minValue === 'number' && Number.isSafeInteger(minValue)) jsonSchema.minimum = minValue;
    if (typeof maxValue === 'number' && Number.isSafeInteger(maxValue)) jsonSchema.maximum = maxValue;
  }
  if (def.type === 'default' && jsonSchema.default === undefined) jsonSchema.default = def.defaultValue;
};
