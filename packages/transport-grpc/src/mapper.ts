// Maps zod schemas onto proto3: builds the message model (for the .proto text) and the value
// codecs (for the wire) in one walk, so the two cannot disagree. The type table and numbering
// rules are in docs/transports/grpc.md.
import type { Schema } from '@wharf/core';
import {
  BoxCodec,
  boolCodec,
  bytesCodec,
  doubleCodec,
  enumCodec,
  type FieldCodec,
  int32Codec,
  int64BigintCodec,
  int64NumberCodec,
  jsonCodec,
  MessageCodec,
  stringCodec,
  timestampCodec,
  UnionCodec,
  type ValueCodec,
  type VariantCodec,
  voidCodec,
} from './codec.js';
import { isProtoIdentifier, jsonName, pascalCase, Scope, upperSnake } from './naming.js';
import { assignNumbers, reservedOf } from './numbering.js';
import type { EnumModel, FieldModel, MessageModel } from './proto-model.js';
import { type Def, descriptionOf, numberBounds, type ProtoMeta, type Unwrapped, unwrap } from './zod-introspect.js';

/** Shared state of one file's mapping. */
export interface MapContext {
  readonly problems: string[];
  readonly imports: Set<string>;
  /** Object schemas being mapped, for recursive schemas: a schema met again refers to its message. */
  readonly ancestors: Map<Schema, { readonly fqn: string; readonly codec: MessageCodec }>;
}

/** A message (or the package) that nested types and fields are added to. */
export interface Owner {
  readonly nested: (MessageModel | EnumModel)[];
  readonly fqn: string;
  readonly scope: Scope;
}

interface MappedValue {
  readonly type: string;
  readonly codec: ValueCodec;
  /** A message type: it has presence without an `optional` label. */
  readonly message: boolean;
}

interface MappedField {
  readonly rule: FieldModel['rule'];
  readonly type: string;
  readonly keyType?: string;
  readonly codec: Omit<FieldCodec, 'key'>;
  readonly comment?: string;
}

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
const JSON_HINT = "or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })";

function problem(ctx: MapContext, path: string, text: string): undefined {
  ctx.problems.push(`${path}: ${text}`);
  return undefined;
}

function isJson(u: Unwrapped): boolean {
  return u.meta.proto === 'json' || u.def.type === 'unknown' || u.def.type === 'any';
}

function numberValue(u: Unwrapped, path: string, ctx: MapContext): MappedValue | undefined {
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

function bigintValue(u: Unwrapped, path: string, ctx: MapContext): MappedValue | undefined {
  const bounds = numberBounds(u.def);
  const type = u.meta.proto ?? (bounds.min >= 0 ? 'uint64' : 'int64');
  const info = INT_TYPES[type];
  if (info === undefined || !info.wide) {
    return problem(ctx, path, `proto type "${type}" cannot carry a bigint; use int64, uint64, sint64, fixed64 or sfixed64`);
  }
  if (info.unsigned && bounds.min < 0) return problem(ctx, path, `proto type "${type}" is unsigned; add .min(0n) to the schema`);
  return { type, codec: int64BigintCodec(info.unsigned, type), message: false };
}

function enumValue(
  values: readonly string[],
  name: string,
  meta: ProtoMeta,
  owner: Owner,
  path: string,
  ctx: MapContext,
): MappedValue {
  const enumName = owner.scope.unique(pascalCase(name) || 'Value');
  const prefix = upperSnake(enumName);
  const reserved = reservedOf(meta, path, ctx);
  const numbers = assignNumbers(
    values.map(() => ({ explicit: undefined, path })),
    reserved,
    ctx,
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

function literalValue(u: Unwrapped, name: string, owner: Owner, path: string, ctx: MapContext): MappedValue | undefined {
  const values = u.def.values as readonly unknown[];
  if (values.every((v) => typeof v === 'string')) {
    if (values.length === 1) return { type: 'string', codec: stringCodec, message: false };
    return enumValue(values as string[], name, u.meta, owner, path, ctx);
  }
  if (values.every((v) => typeof v === 'number')) {
    const ints = values.every((v) => Number.isInteger(v) && (v as number) >= INT32[0] && (v as number) <= INT32[1]);
    return ints
      ? { type: 'int32', codec: int32Codec(INT32[0], INT32[1], 'int32'), message: false }
      : { type: 'double', codec: doubleCodec, message: false };
  }
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

function stringValues(def: Def): string[] | undefined {
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

function isBytesClass(schema: Schema): boolean {
  const bag = (schema as unknown as { _zod: { bag?: { Class?: unknown } } })._zod.bag;
  const cls = bag?.Class;
  return typeof cls === 'function' && (cls === Uint8Array || cls.prototype instanceof Uint8Array);
}

/** Maps a value that is not a list or map: a scalar, enum, message, union or JSON. */
function mapValue(
  u: Unwrapped,
  name: string,
  owner: Owner,
  path: string,
  ctx: MapContext,
  typeName?: string,
): MappedValue | undefined {
  if (isJson(u)) {
    ctx.imports.add('google/protobuf/struct.proto');
    return { type: 'google.protobuf.Value', codec: jsonCodec, message: true };
  }
  const override = u.meta.proto;
  const type = u.def.type;
  if (override === 'bytes') {
    if (type === 'custom') return { type: 'bytes', codec: bytesCodec, message: false };
    return problem(ctx, path, `.meta({ proto: 'bytes' }) needs a schema of bytes, such as z.instanceof(Uint8Array)`);
  }
  if (override !== undefined && type !== 'number' && type !== 'bigint' && !(type === 'string' && override === 'string')) {
    return problem(ctx, path, `.meta({ proto: ${JSON.stringify(override)} }) does not apply to a ${type} schema`);
  }
  switch (type) {
    case 'string':
    case 'template_literal':
      return { type: 'string', codec: stringCodec, message: false };
    case 'boolean':
      return { type: 'bool', codec: boolCodec, message: false };
    case 'number':
      return numberValue(u, path, ctx);
    case 'bigint':
      return bigintValue(u, path, ctx);
    case 'date':
      ctx.imports.add('google/protobuf/timestamp.proto');
      return { type: 'google.protobuf.Timestamp', codec: timestampCodec, message: true };
    case 'enum': {
      const values = stringValues(u.def);
      if (values !== undefined) return enumValue(values, name, u.meta, owner, path, ctx);
      const numbers = Object.values(u.def.entries as Record<string, unknown>);
      if (numbers.every((v) => typeof v === 'number')) return numberEnum(numbers as number[]);
      return problem(ctx, path, `an enum mixing strings and numbers cannot map to proto3; ${JSON_HINT}`);
    }
    case 'literal':
      return literalValue(u, name, owner, path, ctx);
    case 'custom':
      if (isBytesClass(u.schema)) return { type: 'bytes', codec: bytesCodec, message: false };
      return problem(
        ctx,
        path,
        `a custom schema cannot map to proto3; if it holds bytes use z.instanceof(Uint8Array) or .meta({ proto: 'bytes' }), ${JSON_HINT}`,
      );
    case 'object':
      return objectValue(u, name, owner, path, ctx, typeName);
    case 'union':
      return unionValue(u, name, owner, path, ctx, typeName);
    case 'array':
    case 'set':
    case 'record':
    case 'map':
      return boxValue(u, name, owner, path, ctx);
    case 'tuple':
      return problem(ctx, path, `a tuple cannot map to proto3; use an object with named fields, ${JSON_HINT}`);
    case 'intersection':
      return problem(ctx, path, `an intersection cannot map to proto3; merge the objects (a.extend(b.shape)), ${JSON_HINT}`);
    default:
      return problem(ctx, path, `a ${type} schema cannot map to proto3; ${JSON_HINT}`);
  }
}

function numberEnum(numbers: readonly number[]): MappedValue {
  const ints = numbers.every((v) => Number.isInteger(v) && v >= INT32[0] && v <= INT32[1]);
  return ints
    ? { type: 'int32', codec: int32Codec(INT32[0], INT32[1], 'int32'), message: false }
    : { type: 'double', codec: doubleCodec, message: false };
}

function newMessage(name: string, comment: string | undefined): MessageModel {
  return { kind: 'message', name, fields: [], nested: [], reserved: { numbers: [], names: [] }, comment };
}

function objectValue(u: Unwrapped, name: string, owner: Owner, path: string, ctx: MapContext, typeName?: string): MappedValue {
  const seen = ctx.ancestors.get(u.schema);
  if (seen !== undefined) return { type: `.${seen.fqn}`, codec: seen.codec, message: true };
  const messageName = owner.scope.unique(typeName ?? (pascalCase(name) || 'Value'));
  const model = newMessage(messageName, descriptionOf(u.meta));
  owner.nested.push(model);
  const fqn = `${owner.fqn}.${messageName}`;
  const codec = new MessageCodec();
  ctx.ancestors.set(u.schema, { fqn, codec });
  codec.define(mapFields(u, model, fqn, path, ctx, undefined));
  ctx.ancestors.delete(u.schema);
  return { type: messageName, codec, message: true };
}

/** Maps the fields of an object schema into `model`; `skip` is a key left out (a union's discriminator). */
function mapFields(
  u: Unwrapped,
  model: MessageModel,
  fqn: string,
  path: string,
  ctx: MapContext,
  skip: string | undefined,
): FieldCodec[] {
  const shape = u.def.shape as Record<string, Schema>;
  const keys = Object.keys(shape).filter((key) => key !== skip);
  const scope = new Scope();
  const jsonNames = new Map<string, string>();
  for (const key of keys) {
    if (!isProtoIdentifier(key) || key === '__proto__') {
      problem(
        ctx,
        `${path}[${JSON.stringify(key)}]`,
        'a key must be a proto identifier (letters, digits and _, not starting with a digit) to be a field name; rename it',
      );
      continue;
    }
    const json = jsonName(key);
    const clash = jsonNames.get(json);
    if (clash !== undefined)
      problem(ctx, `${path}.${key}`, `its JSON name "${json}" clashes with field "${clash}" (protoc refuses that); rename one`);
    jsonNames.set(json, key);
    scope.add(key);
  }
  const reserved = reservedOf(u.meta, path, ctx);
  for (const key of keys) {
    if (reserved.names.includes(key)) problem(ctx, `${path}.${key}`, `the name "${key}" is reserved (retired); rename the field`);
  }
  model.reserved = reserved;
  const valid = keys.filter((key) => isProtoIdentifier(key) && key !== '__proto__');
  const unwrapped = valid.map((key) => unwrap(shape[key] as Schema));
  const numbers = assignNumbers(
    unwrapped.map((f, i) => ({ explicit: f.meta.field, path: `${path}.${valid[i]}` })),
    reserved,
    ctx,
  );
  const owner: Owner = { nested: model.nested, fqn, scope };
  const codecs: FieldCodec[] = [];
  valid.forEach((key, i) => {
    const mapped = mapField(unwrapped[i] as Unwrapped, key, owner, `${path}.${key}`, ctx);
    if (mapped === undefined) return;
    model.fields.push({
      name: key,
      number: numbers[i] as number,
      rule: mapped.rule,
      type: mapped.type,
      keyType: mapped.keyType,
      comment: mapped.comment,
    });
    codecs.push({ key, ...mapped.codec });
  });
  return codecs;
}

function unionValue(
  u: Unwrapped,
  name: string,
  owner: Owner,
  path: string,
  ctx: MapContext,
  typeName?: string,
): MappedValue | undefined {
  const discriminator = u.def.discriminator;
  const options = u.def.options as readonly Schema[];
  if (typeof discriminator !== 'string') {
    const values = options.map((o) => stringValues(unwrap(o).def));
    if (values.every((v) => v !== undefined)) return enumValue(values.flat() as string[], name, u.meta, owner, path, ctx);
    return problem(
      ctx,
      path,
      `a union without a discriminator cannot map to proto3; use z.discriminatedUnion('kind', [...]), ${JSON_HINT}`,
    );
  }
  if (!isProtoIdentifier(discriminator))
    return problem(ctx, path, `the discriminator "${discriminator}" must be a proto identifier`);
  const messageName = owner.scope.unique(typeName ?? (pascalCase(name) || 'Value'));
  const model = newMessage(messageName, descriptionOf(u.meta));
  owner.nested.push(model);
  const fqn = `${owner.fqn}.${messageName}`;
  const scope = new Scope([discriminator]);
  const inner: Owner = { nested: model.nested, fqn, scope };
  const reserved = reservedOf(u.meta, path, ctx);
  model.reserved = reserved;

  const variants: { value: string; member: string; option: Unwrapped; where: string }[] = [];
  options.forEach((option, i) => {
    const o = unwrap(option);
    const tagSchema = o.def.type === 'object' ? (o.def.shape as Record<string, Schema>)[discriminator] : undefined;
    const tag = tagSchema === undefined ? undefined : unwrap(tagSchema);
    const values = tag?.def.type === 'literal' ? (tag.def.values as readonly unknown[]) : undefined;
    const where = `${path}<${values?.length === 1 ? `${discriminator}=${String(values[0])}` : `variant ${i + 1}`}>`;
    if (o.def.type !== 'object') {
      problem(ctx, where, 'each variant of a discriminated union must be an object');
    } else if (values?.length !== 1 || typeof values[0] !== 'string') {
      problem(ctx, where, `the discriminator "${discriminator}" must be one string literal per variant (z.literal('…'))`);
    } else {
      const value = values[0];
      const base = value.replace(/[^A-Za-z0-9_]/g, '_');
      const member = scope.unique(/^[A-Za-z_]/.test(base) ? base : `_${base}`);
      variants.push({ value, member, option: o, where });
    }
  });
  const numbers = assignNumbers(
    variants.map((v) => ({ explicit: v.option.meta.field, path: v.where })),
    reserved,
    ctx,
  );
  const codecs: VariantCodec[] = variants.map((variant, i) => {
    const variantName = scope.unique(pascalCase(variant.value) || `Variant${i + 1}`);
    const variantModel = newMessage(variantName, descriptionOf(variant.option.meta));
    inner.nested.push(variantModel);
    const variantFqn = `${fqn}.${variantName}`;
    const codec = new MessageCodec();
    ctx.ancestors.set(variant.option.schema, { fqn: variantFqn, codec });
    codec.define(mapFields(variant.option, variantModel, variantFqn, variant.where, ctx, discriminator));
    ctx.ancestors.delete(variant.option.schema);
    model.fields.push({
      name: variant.member,
      number: numbers[i] as number,
      rule: 'single',
      type: variantName,
      oneof: discriminator,
    });
    return { value: variant.value, member: variant.member, codec };
  });
  return { type: messageName, codec: new UnionCodec(discriminator, codecs), message: true };
}

/** A list or map inside a list or map: proto3 needs a wrapper message with one field, `value`. */
function boxValue(u: Unwrapped, name: string, owner: Owner, path: string, ctx: MapContext): MappedValue | undefined {
  const messageName = owner.scope.unique(pascalCase(name) || 'Value');
  const model = newMessage(messageName, undefined);
  owner.nested.push(model);
  const inner: Owner = { nested: model.nested, fqn: `${owner.fqn}.${messageName}`, scope: new Scope(['value']) };
  const mapped = mapField(u, 'value', inner, path, ctx);
  if (mapped === undefined) return undefined;
  model.fields.push({ name: 'value', number: 1, rule: mapped.rule, type: mapped.type, keyType: mapped.keyType });
  return { type: messageName, codec: new BoxCodec({ key: 'value', ...mapped.codec }), message: true };
}

function elementValue(schema: Schema, name: string, owner: Owner, path: string, ctx: MapContext): MappedValue | undefined {
  const e = unwrap(schema);
  if (!isJson(e) && (e.optional || e.nullable || e.defaultValue !== undefined)) {
    return problem(ctx, path, `an element cannot be optional or null: proto3 lists and maps hold values only; ${JSON_HINT}`);
  }
  return mapValue(e, name, owner, path, ctx);
}

/** Maps one field: a list, a map, or a single value. */
function mapField(u: Unwrapped, key: string, owner: Owner, path: string, ctx: MapContext): MappedField | undefined {
  const comment = descriptionOf(u.meta);
  const base = {
    optional: u.optional,
    nullable: u.nullable,
    defaultValue: u.defaultValue,
    keepEmpty: !u.optional && !u.nullable,
  };
  const type = u.def.type;
  if (!isJson(u) && (type === 'array' || type === 'set')) {
    const element = (type === 'array' ? u.def.element : u.def.valueType) as Schema;
    const value = elementValue(element, key, owner, `${path}[]`, ctx);
    if (value === undefined) return undefined;
    const collection = type === 'set' ? 'set' : undefined;
    return {
      rule: 'repeated',
      type: value.type,
      comment,
      codec: { ...base, shape: 'repeated', value: value.codec, explicit: false, collection },
    };
  }
  if (!isJson(u) && (type === 'record' || type === 'map')) {
    const keyDef = unwrap(u.def.keyType as Schema).def;
    if (!(keyDef.type === 'string' || keyDef.type === 'template_literal' || stringValues(keyDef) !== undefined)) {
      return problem(
        ctx,
        path,
        `map keys must be strings (z.string(), z.enum([...])) to map to proto3 map<string, …>; ${JSON_HINT}`,
      );
    }
    const value = elementValue(u.def.valueType as Schema, key, owner, `${path}{}`, ctx);
    if (value === undefined) return undefined;
    const collection = type === 'map' ? 'map' : undefined;
    return {
      rule: 'map',
      type: value.type,
      keyType: 'string',
      comment,
      codec: { ...base, shape: 'map', value: value.codec, explicit: false, collection },
    };
  }
  const value = mapValue(u, key, owner, path, ctx);
  if (value === undefined) return undefined;
  const presence = !value.message && (u.optional || u.nullable);
  // JSON carries null as a value (google.protobuf.NullValue); only undefined is absence.
  const json = value.codec === jsonCodec ? { nullable: false, nullValue: true, keepEmpty: false } : {};
  return {
    rule: presence ? 'optional' : 'single',
    type: value.type,
    comment,
    codec: { ...base, ...json, shape: 'single', value: value.codec, explicit: value.message || presence, collection: undefined },
  };
}

/** A top-level message (a method's input or output) and its codec. */
export interface TopMessage {
  /** The message's name in the package (the one asked for, unless it was taken). */
  readonly name: string;
  readonly codec: ValueCodec;
}

/**
 * Maps a method's input or output schema to the top-level message `typeName`: an object or a
 * discriminated union is the message itself; `z.void()` is an empty message; anything else is
 * wrapped as the field `value = 1`.
 */
export function mapTop(schema: Schema, typeName: string, pkg: Owner, path: string, ctx: MapContext): TopMessage | undefined {
  const owner = pkg;
  const u = unwrap(schema);
  const direct = !u.optional && !u.nullable && !isJson(u);
  if (direct && u.def.type === 'object') {
    const mapped = objectValue(u, typeName, owner, path, ctx, typeName);
    return { name: mapped.type, codec: mapped.codec };
  }
  if (direct && u.def.type === 'union' && typeof u.def.discriminator === 'string') {
    const mapped = unionValue(u, typeName, owner, path, ctx, typeName);
    return mapped === undefined ? undefined : { name: mapped.type, codec: mapped.codec };
  }
  const name = pkg.scope.unique(typeName);
  const model = newMessage(name, descriptionOf(u.meta));
  pkg.nested.push(model);
  if (u.def.type === 'void' || u.def.type === 'undefined') return { name, codec: voidCodec };
  const inner: Owner = { nested: model.nested, fqn: `${pkg.fqn}.${name}`, scope: new Scope(['value']) };
  const mapped = mapField(u, 'value', inner, path, ctx);
  if (mapped === undefined) return undefined;
  model.fields.push({ name: 'value', number: 1, rule: mapped.rule, type: mapped.type, keyType: mapped.keyType });
  return { name, codec: new BoxCodec({ key: 'value', ...mapped.codec }) };
}
