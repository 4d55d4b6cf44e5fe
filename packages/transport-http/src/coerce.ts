import type { Schema } from '@wharf/core';

/** The parts of zod 4's internal definition this module reads (checked structurally, never trusted). */
interface Def {
  readonly type?: string;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly element?: Schema;
  readonly options?: readonly Schema[];
  readonly shape?: Readonly<Record<string, Schema>>;
  readonly values?: readonly unknown[];
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly getter?: () => Schema;
}

type Kind = 'string' | 'number' | 'bigint' | 'boolean' | 'other';

/** What a field accepts, as far as turning a query or path string into a value goes. */
interface FieldKinds {
  readonly kinds: Set<Kind>;
  /** Set when the field accepts an array: what its elements accept. */
  element: FieldKinds | undefined;
}

/** Turns the string(s) a query or path gave for one field into the value the schema wants. */
export type FieldCoercer = (value: string | readonly string[]) => unknown;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^[-+]?\d+$/;

function defOf(schema: Schema | undefined): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Unwraps optional/default/pipe/lazy wrappers down to the schema that decides the shape. */
function unwrap(schema: Schema | undefined, depth = 0): Def | undefined {
  const def = defOf(schema);
  if (def === undefined || depth > 32) return def;
  if (def.type !== undefined && WRAPPERS.has(def.type)) return unwrap(def.innerType, depth + 1);
  if (def.type === 'pipe') return unwrap(def.in, depth + 1);
  if (def.type === 'lazy' && def.getter !== undefined) return unwrap(def.getter(), depth + 1);
  return def;
}

function collect(schema: Schema | undefined, into: FieldKinds, depth = 0): void {
  const def = unwrap(schema);
  if (def === undefined || depth > 8) {
    into.kinds.add('other');
    return;
  }
  switch (def.type) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      into.kinds.add(def.type);
      return;
    case 'null':
    case 'undefined':
      return;
    case 'literal':
    case 'enum':
      for (const value of def.values ?? Object.values(def.entries ?? {})) {
        const kind = typeof value;
        into.kinds.add(kind === 'string' || kind === 'number' || kind === 'bigint' || kind === 'boolean' ? kind : 'other');
      }
      return;
    case 'union':
      for (const option of def.options ?? []) collect(option, into, depth + 1);
      return;
    case 'array':
      into.element ??= { kinds: new Set(), element: undefined };
      collect(def.element, into.element, depth + 1);
      return;
    default:
      into.kinds.add('other');
  }
}

function scalar(value: string, kinds: ReadonlySet<Kind>): unknown {
  // A field that also takes strings (or anything we cannot see into) gets the string as it came.
  if (kinds.has('string') || kinds.has('other')) return value;
  if (kinds.has('number') && NUMBER.test(value)) return Number(value);
  if (kinds.has('bigint') && INTEGER.test(value)) return BigInt(value);
  if (kinds.has('boolean')) {
    if (value === 'true' || (value === '1' && !kinds.has('number'))) return true;
    if (value === 'false' || (value === '0' && !kinds.has('number'))) return false;
  }
  // Left as a string: validation then names the field and says what it expected.
  return value;
}

function coercerFor(field: FieldKinds): FieldCoercer | undefined {
  const element = field.element;
  const scalarOnly = field.kinds.size > 0 && !field.kinds.has('string') && !field.kinds.has('other');
  if (element !== undefined) {
    const each = (v: string) => scalar(v, element.kinds);
    // A field that also takes a plain string keeps a single value as it came.
    if (field.kinds.has('string') || field.kinds.has('other')) {
      return (value) => (typeof value === 'string' ? value : value.map(each));
    }
    // `?tag=a` for an array field means `["a"]`; `?tag=a&tag=b` means `["a","b"]`.
    return (value) => (typeof value === 'string' ? [each(value)] : value.map(each));
  }
  if (!scalarOnly) return undefined;
  return (value) => (typeof value === 'string' ? scalar(value, field.kinds) : value.map((v) => scalar(v, field.kinds)));
}

/** The fields of an object input schema, or undefined when the input is not an object. */
export function objectShape(schema: Schema): Readonly<Record<string, Schema>> | undefined {
  const def = unwrap(schema);
  return def?.type === 'object' ? (def.shape ?? {}) : undefined;
}

/**
 * One coercer per input field that needs one (numbers, integers, bigints, booleans, arrays),
 * computed once per endpoint at listen time.
 */
export function coercersOf(schema: Schema): ReadonlyMap<string, FieldCoercer> {
  const out = new Map<string, FieldCoercer>();
  const shape = objectShape(schema);
  if (shape === undefined) return out;
  for (const [name, field] of Object.entries(shape)) {
    const kinds: FieldKinds = { kinds: new Set(), element: undefined };
    collect(field, kinds);
    const coercer = coercerFor(kinds);
    if (coercer !== undefined) out.set(name, coercer);
  }
  return out;
}
