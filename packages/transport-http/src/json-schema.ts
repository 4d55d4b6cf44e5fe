import type { Schema } from '@wharf/core';
import * as z from 'zod';

/** A JSON Schema (draft 2020-12) object, as OpenAPI 3.1 embeds it. */
export type JsonSchema = Record<string, unknown>;

/** Shared definitions collected while converting several schemas into one document. */
export class SchemaDefinitions {
  readonly schemas: Record<string, JsonSchema> = {};

  /**
   * Converts a zod schema for `io` (`input` for requests, `output` for responses). Definitions zod
   * puts under `$defs` (recursive schemas, schemas with a `meta({ id })`) move to
   * `components.schemas` under stable names, with their `$ref`s rewritten to point there.
   */
  convert(schema: Schema, io: 'input' | 'output', hint: string): JsonSchema {
    let json: JsonSchema;
    try {
      json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
    } catch {
      // A schema zod cannot describe (a custom refinement on a cycle, …) is documented as "anything".
      return {};
    }
    const { $schema: _, $defs, ...rest } = json;
    if ($defs === undefined || typeof $defs !== 'object' || $defs === null) return rest;
    const renames = new Map<string, string>();
    for (const key of Object.keys($defs)) {
      // zod's own names (`__schema0`) are per conversion; `meta({ id })` names are global by design,
      // but a schema's input and output forms differ (defaults, transforms), so inputs get a suffix.
      const global = io === 'input' ? `${key}Input` : key;
      renames.set(key, key.startsWith('__') ? `${hint}_${io}_${key.replace(/^_+/, '')}` : global);
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          const target = renames.get(inner.slice('#/$defs/'.length));
          out[key] = target === undefined ? inner : `#/components/schemas/${target}`;
        } else {
          out[key] = rewrite(inner);
        }
      }
      return out;
    };
    for (const [key, definition] of Object.entries($defs as Record<string, unknown>)) {
      const name = renames.get(key) as string;
      const converted = rewrite(definition) as JsonSchema;
      this.schemas[name] ??= converted;
    }
    return rewrite(rest) as JsonSchema;
  }
}
