import type * as z from 'zod';

type Json = Record<string, unknown>;

/**
 * A JSON Schema (draft-07, which AsyncAPI's schema format extends) of a zod schema, for a
 * document such as AsyncAPI: its local definitions move into `shared` (the document's
 * `components.schemas`) under `prefix`, and `$ref`s are rewritten to point there. A recursive
 * root is itself moved to `<prefix>root` and referenced.
 */
export function documentSchema(schema: z.ZodType, io: 'input' | 'output', prefix: string, shared: Json): Json {
  const out = schema.toJSONSchema({ target: 'draft-07', io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  const definitions = out.definitions as Json | undefined;
  delete out.definitions;
  // Local references point into the schema itself: `#/definitions/X`, or `#` for a recursive root.
  const root = `#/components/schemas/${prefix}root`;
  let recursive = false;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const copy: Json = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && v === '#') {
        recursive = true;
        copy[key] = root;
      } else if (key === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
        copy[key] = `#/components/schemas/${prefix}${v.slice('#/definitions/'.length)}`;
      } else copy[key] = rewrite(v);
    }
    return copy;
  };
  if (definitions !== undefined) {
    for (const [name, def] of Object.entries(definitions)) shared[`${prefix}${name}`] = rewrite(def);
  }
  const result = rewrite(out) as Json;
  if (!recursive) return result;
  shared[`${prefix}root`] = result;
  return { $ref: root };
}

/** A name usable as an AsyncAPI channel, operation or message key (`^[A-Za-z0-9.\-_]+$`). */
export function documentKey(text: string): string {
  return text.replace(/[^A-Za-z0-9.\-_]/g, '_');
}
