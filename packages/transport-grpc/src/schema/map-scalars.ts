// Scalars and enums: the proto type of a number comes from the bounds its schema enforces (or an
// explicit `.meta({ proto })`), so that every value the schema accepts fits on the wire.
import {
  boolCodec,
  bytesCodec,
  doubleCodec,
  enumCodec,
  int32Codec,
  int64BigintCodec,
  int64NumberCodec,
  stringCodec,
} from './codec/scalar-codecs.js';
import { JSON_HINT, type MapContext, type MappedValue, type Owner, problem } from './map-context.js';
import { pascalCase, upperSnake } from './naming.js';
import { assignNumbers, reservedOf } from './numbering.js';
import type { EnumModel } from './proto-model.js';
import { type Def, descriptionOf, numberBounds, type ProtoMeta, type Unwrapped } from './zod-introspect.js';

const INT32: [number, number] = [-2147483648, 2147483647];
const UINT32: [number, number] = [0, 4294967295];
const SAFE: [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
const INT_TYPES: Readonly<Record<string, { range: [number, number]; wide: boolean; unsigned: boolean }>> = {
  int32: { range: INT32, wide: false, unsigned: false },
  sint32: { range: INT32, wide: false, unsigned: false },
  sfixed32: { range: INT32, wide: false, unsigned: false },
  uint32: { range: UINT32, wide: false, unsigned: true },
  fixed32: { range: UINT32, wide: false, unsigned: true },
  int64: { range: SAFE, wide: true, unsigned: false },
  sint64: { range: SAFE, wide: true, unsigned: false },
  sfixed64: { range: SAFE, wide: true, unsigned: false },
  uint64: { range: [0, SAFE[1]], wide: true, unsigned: true },
  fixed64: { range: [0, SAFE[1]], wide: true, unsigned: true },
};

export function numberValue(u: Unwrapped, path: string, ctx: MapContext): MappedValue | undefined {
  const bounds = numberBounds(u.def);
  const override = u.meta.proto;
  const fits = (range: [number, number]) => bounds.integer && bounds.min >= range[0] && bounds.max <= range[1];
  const int = (type: string): MappedValue => {
    const info = INT_TYPES[type] as (typeof INT_TYPES)[string];
    const codec = info.wide ? int64NumberCodec(info.unsigned, type) : int32Codec(info.range[0], info.range[1], type);
    return { type, codec, message: false };
  };
  if (override !== undefined) {
    if (override === 'double' || override === 'float') return { type: override, codec: doubleCodec, message: false };
    const info = INT_TYPES[override];
    if (info === undefined) return problem(ctx, path, `proto type "${override}" cannot carry a number; use a numeric type`);
    if (!fits(info.range)) {
      return problem(
        ctx,
        path,
        `proto type "${override}" needs an integer schema bounded to ${info.range[0]}…${info.range[1]}; add z.int().min(…).max(…)`,
      );
    }
    return int(override);
  }
  if (fits(INT32)) return int('int32');
  if (fits(UINT32)) return int('uint32');
  if (fits(SAFE)) return int(bounds.min >= 0 ? 'uint64' : 'int64');
  return { type: 'double', codec: doubleCodec, message: false };
}

export function bigintValue(u: Unwrapped, path: string, ctx: MapContext): MappedValue | undefined {
  const bounds = numberBounds(u.def);
  const type = u.meta.proto ?? (bounds.min >= 0 ? 'uint64' : 'int64');
  const info = INT_TYPES[type];
  if (info === undefined || !info.wide) {
    return problem(ctx, path, `proto type "${type}" cannot carry a bigint; use int64, uint64, sint64, fixed64 or sfixed64`);
  }
  if (info.unsigned && bounds.min < 0) return problem(ctx, path, `proto type "${type}" is unsigned; add .min(0n) to the schema`);
  return { type, codec: int64BigintCodec(info.unsigned, type), message: false };
}

/** One of a fixed set of numbers (a numeric enum or literal): int32 when they all fit, else double. */
function numberChoice(numbers: readonly number[]): MappedValue {
  const ints = numbers.every((v) => Number.isInteger(v) && v >= INT32[0] && v <= INT32[1]);
  return ints
    ? { type: 'int32', codec: int32Codec(INT32[0], INT32[1], 'int32'), message: false }
    : { type: 'double', codec: doubleCodec, message: false };
}

/** A proto enum nested in `owner`, with one value per string. */
export function enumValue(
  values: readonly string[],
  name: string,
  meta: ProtoMeta,
  owner: Owner,
  path: string,
  ctx: MapContext,
): MappedValue {
  const enumName = owner.scope.unique(pascalCase(name) || 'Value');
  const prefix = upperSnake(enumName);
  const reserved = reservedOf(meta, path, ctx.problems);
  const numbers = assignNumbers(
    values.map(() => ({ explicit: undefined, path })),
    reserved,
    ctx.problems,
  );
  // Enum values live in the scope that holds the enum (C++ scoping), so they share the owner's names.
  const zero = owner.scope.unique(`${prefix}_UNSPECIFIED`);
  const model: EnumModel = {
    kind: 'enum',
    name: enumName,
    values: [
      { name: zero, number: 0 },
      ...values.map((v, i) => ({
        name: owner.scope.unique(`${prefix}_${upperSnake(v) || 'VALUE'}`),
        number: numbers[i] as number,
      })),
    ],
    reserved,
    comment: descriptionOf(meta),
  };
  owner.nested.push(model);
  return { type: enumName, codec: enumCodec(values, numbers), message: false };
}

/** The values of a `z.enum` or `z.literal` when they are all strings. */
export function stringValues(def: Def): string[] | undefined {
  if (def.type === 'enum') {
    const values = Object.values(def.entries as Record<string, unknown>);
    return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
  }
  if (def.type === 'literal') {
    const values = def.values as readonly unknown[];
    return values.every((v) => typeof v === 'string') ? [...(values as string[])] : undefined;
  }
  return undefined;
}

export function zodEnumValue(u: Unwrapped, name: string, owner: Owner, path: string, ctx: MapContext): MappedValue | undefined {
  const values = stringValues(u.def);
  if (values !== undefined) return enumValue(values, name, u.meta, owner, path, ctx);
  const numbers = Object.values(u.def.entries as Record<string, unknown>);
  if (numbers.every((v) => typeof v === 'number')) return numberChoice(numbers as number[]);
  return problem(ctx, path, `an enum mixing strings and numbers cannot map to proto3; ${JSON_HINT}`);
}

export function literalValue(u: Unwrapped, name: string, owner: Owner, path: string, ctx: MapContext): MappedValue | undefined {
  const values = u.def.values as readonly unknown[];
  if (values.every((v) => typeof v === 'string')) {
    if (values.length === 1) return { type: 'string', codec: stringCodec, message: false };
    return enumValue(values as string[], name, u.meta, owner, path, ctx);
  }
  if (values.every((v) => typeof v === 'number')) return numberChoice(values as number[]);
  if (values.every((v) => typeof v === 'boolean')) return { type: 'bool', codec: boolCodec, message: false };
  if (values.every((v) => typeof v === 'bigint')) {
    const unsigned = values.every((v) => (v as bigint) >= 0n);
    return {
      type: unsigned ? 'uint64' : 'int64',
      codec: int64BigintCodec(unsigned, unsigned ? 'uint64' : 'int64'),
      message: false,
    };
  }
  return problem(ctx, path, `a literal of ${values.map((v) => String(v)).join(' | ')} cannot map to proto3; ${JSON_HINT}`);
}

/** A `z.custom` or `z.instanceof` schema: only bytes (a Uint8Array class) has a proto type. */
export function customValue(u: Unwrapped, path: string, ctx: MapContext): MappedValue | undefined {
  const bag = (u.schema as unknown as { _zod: { bag?: { Class?: unknown } } })._zod.bag;
  const cls = bag?.Class;
  if (typeof cls === 'function' && (cls === Uint8Array || cls.prototype instanceof Uint8Array)) {
    return { type: 'bytes', codec: bytesCodec, message: false };
  }
  return problem(
    ctx,
    path,
    `a custom schema cannot map to proto3; if it holds bytes use z.instanceof(Uint8Array) or .meta({ proto: 'bytes' }), ${JSON_HINT}`,
  );
}
