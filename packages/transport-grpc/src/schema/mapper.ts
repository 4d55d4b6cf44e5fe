// Maps zod schemas onto proto3: builds the message model (for the .proto text) and the value
// codecs (for the wire) in one walk, so the two cannot disagree. The type table and numbering
// rules are in docs/transports/grpc.md.
import type { Schema } from '@wharf/core';
import { BoxCodec, voidCodec } from './codec/box-codec.js';
import { jsonCodec } from './codec/json-codec.js';
import { type FieldCodec, MessageCodec } from './codec/message-codec.js';
import { boolCodec, bytesCodec, stringCodec, timestampCodec } from './codec/scalar-codecs.js';
import type { ValueCodec } from './codec/value-codec.js';
import {
  isJson,
  JSON_HINT,
  type MapContext,
  type MappedField,
  type MappedValue,
  newMessage,
  type Owner,
  problem,
} from './map-context.js';
import { bigintValue, customValue, literalValue, numberValue, stringValues, zodEnumValue } from './map-scalars.js';
import { type FieldsMapper, unionValue } from './map-union.js';
import { isProtoIdentifier, jsonName, pascalCase, Scope } from './naming.js';
import { assignNumbers, reservedOf } from './numbering.js';
import { descriptionOf, type Unwrapped, unwrap } from './zod-introspect.js';

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
    case 'enum':
      return zodEnumValue(u, name, owner, path, ctx);
    case 'literal':
      return literalValue(u, name, owner, path, ctx);
    case 'custom':
      return customValue(u, path, ctx);
    case 'object':
      return objectValue(u, name, owner, path, ctx, typeName);
    case 'union':
      return unionValue(u, name, owner, path, ctx, mapFields, typeName);
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
const mapFields: FieldsMapper = (u, model, fqn, path, ctx, skip) => {
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
  const reserved = reservedOf(u.meta, path, ctx.problems);
  for (const key of keys) {
    if (reserved.names.includes(key)) problem(ctx, `${path}.${key}`, `the name "${key}" is reserved (retired); rename the field`);
  }
  model.reserved = reserved;
  const valid = keys.filter((key) => isProtoIdentifier(key) && key !== '__proto__');
  const unwrapped = valid.map((key) => unwrap(shape[key] as Schema));
  const numbers = assignNumbers(
    unwrapped.map((f, i) => ({ explicit: f.meta.field, path: `${path}.${valid[i]}` })),
    reserved,
    ctx.problems,
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
};

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
  const u = unwrap(schema);
  const direct = !u.optional && !u.nullable && !isJson(u);
  if (direct && u.def.type === 'object') {
    const mapped = objectValue(u, typeName, pkg, path, ctx, typeName);
    return { name: mapped.type, codec: mapped.codec };
  }
  if (direct && u.def.type === 'union' && typeof u.def.discriminator === 'string') {
    const mapped = unionValue(u, typeName, pkg, path, ctx, mapFields, typeName);
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
