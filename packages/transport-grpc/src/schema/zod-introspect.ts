// Reads zod 4 schemas through their `_zod.def` internals (not the classic API), so schemas built
// with `zod/mini` or another copy of zod map the same way.
import type { Schema } from '@wharf/core';
import { globalRegistry } from 'zod';

/** A schema's definition: its `type` and type-specific fields. */
export interface Def {
  readonly type: string;
  readonly [key: string]: unknown;
}

interface Internals {
  readonly _zod: { readonly def: Def; readonly optin?: string };
}

/** What a field schema says through `.meta({ … })`; see docs/transports/grpc.md. */
export interface ProtoMeta {
  /** The field number (or oneof member number, for a variant of a discriminated union). */
  readonly field?: number;
  /** Retired numbers and names of an object, union or enum, emitted as `reserved`. */
  readonly reserved?: readonly (number | string)[];
  /** Overrides the proto type: a scalar type name, `bytes`, or `json` (google.protobuf.Value). */
  readonly proto?: string;
  readonly description?: string;
}

/** The definition of `schema`. */
export function defOf(schema: Schema): Def {
  return (schema as unknown as Internals)._zod.def;
}

/** A schema with its wrappers (optional, nullable, default, readonly, pipe, lazy, …) peeled off. */
export interface Unwrapped {
  /** The innermost schema: an object, string, enum, array, … */
  readonly schema: Schema;
  readonly def: Def;
  /** May be absent on the wire (optional, defaulted, prefaulted, or `unknown`). */
  readonly optional: boolean;
  readonly nullable: boolean;
  /** The `.default()` to apply when the field is absent; a getter, as zod's own (it clones). */
  readonly defaultValue: (() => unknown) | undefined;
  /** Metadata from every layer, the outermost winning. */
  readonly meta: ProtoMeta;
}

/** Peels the wrappers off `schema`. Pipes and transforms map by their input side: that is what travels. */
export function unwrap(schema: Schema): Unwrapped {
  let current = schema;
  let optional = false;
  let nullable = false;
  let required = false;
  let defaultValue: (() => unknown) | undefined;
  const meta: Record<string, unknown> = {};
  for (let depth = 0; depth < 64; depth++) {
    const own = globalRegistry.get(current) as Record<string, unknown> | undefined;
    if (own !== undefined) for (const key of Object.keys(own)) if (!(key in meta)) meta[key] = own[key];
    const def = defOf(current);
    switch (def.type) {
      case 'optional':
      case 'exact_optional':
        if (!required) optional = true;
        current = def.innerType as Schema;
        continue;
      case 'nullable':
        nullable = true;
        current = def.innerType as Schema;
        continue;
      case 'default': {
        if (defaultValue === undefined && !required) {
          const holder = def;
          defaultValue = () => holder.defaultValue;
        }
        current = def.innerType as Schema;
        continue;
      }
      case 'prefault':
        if (!required) optional = true;
        current = def.innerType as Schema;
        continue;
      case 'nonoptional':
        required = true;
        current = def.innerType as Schema;
        continue;
      case 'readonly':
      case 'catch':
        current = def.innerType as Schema;
        continue;
      case 'pipe':
        current = def.in as Schema;
        continue;
      case 'lazy':
        current = (def.getter as () => Schema)();
        continue;
    }
    break;
  }
  const def = defOf(current);
  if (def.type === 'unknown' || def.type === 'any') {
    optional = true;
    nullable = true;
  }
  return {
    schema: current,
    def,
    optional: optional || defaultValue !== undefined,
    nullable,
    defaultValue,
    meta: meta as ProtoMeta,
  };
}

/** Numeric bounds (enclosing, not exact) and whether only integers pass, from a number or bigint schema's checks. */
export interface NumberBounds {
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
}

const FORMAT_BOUNDS: Readonly<Record<string, [number, number]>> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63 - 1],
  uint64: [0, 2 ** 64 - 1],
};

/** The bounds a number or bigint schema enforces (bigint bounds as numbers, rounded outwards). */
export function numberBounds(def: Def): NumberBounds {
  let integer = false;
  let min = Number.NEGATIVE_INFINITY;
  let max = Number.POSITIVE_INFINITY;
  const narrow = (format: unknown) => {
    const bounds = typeof format === 'string' ? FORMAT_BOUNDS[format] : undefined;
    if (bounds === undefined) return;
    integer = true;
    min = Math.max(min, bounds[0]);
    max = Math.min(max, bounds[1]);
  };
  narrow(def.format);
  for (const check of (def.checks as readonly Schema[] | undefined) ?? []) {
    const c = defOf(check) as Def & { check?: string; value?: number | bigint; format?: string };
    if (c.check === 'number_format' || c.check === 'bigint_format') narrow(c.format);
    else if (c.check === 'multiple_of' && (c.value === 1 || c.value === 1n)) integer = true;
    // An exclusive bound still encloses the range, which is all the choice of a proto type needs.
    else if (c.check === 'greater_than' && c.value !== undefined) min = Math.max(min, Number(c.value));
    else if (c.check === 'less_than' && c.value !== undefined) max = Math.min(max, Number(c.value));
  }
  return { integer: integer || def.type === 'bigint', min, max };
}

/** The description of a schema (`.describe()` or `.meta({ description })`). */
export function descriptionOf(meta: ProtoMeta): string | undefined {
  return typeof meta.description === 'string' && meta.description.trim() !== '' ? meta.description : undefined;
}
