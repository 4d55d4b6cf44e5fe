// JSON ↔ google.protobuf.Value and Struct: the escape hatch for schemas proto3 cannot describe,
// and the form of error details in the status trailer.
import { describe, fail, put, type ValueCodec } from './value-codec.js';

const MAX_JSON_DEPTH = 100;

function toProtoValue(value: unknown, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels (or circular)`);
  if (value === null) return { nullValue: 0 };
  switch (typeof value) {
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object': {
      if (Array.isArray(value)) {
        return { listValue: { values: value.map((v) => (v === undefined ? { nullValue: 0 } : toProtoValue(v, depth + 1))) } };
      }
      const toJSON = (value as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') return toProtoValue(toJSON.call(value), depth + 1);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) fail(`expected JSON data, got ${describe(value)}`);
      const fields: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) if (v !== undefined) put(fields, key, toProtoValue(v, depth + 1));
      return { structValue: { fields } };
    }
    default:
      return fail(`expected JSON data, got ${describe(value)}`);
  }
}

function fromProtoValue(value: unknown): unknown {
  const v = value as Record<string, unknown>;
  if (Object.hasOwn(v, 'numberValue')) return v.numberValue;
  if (Object.hasOwn(v, 'stringValue')) return v.stringValue;
  if (Object.hasOwn(v, 'boolValue')) return v.boolValue;
  if (Object.hasOwn(v, 'structValue')) return fromStruct(v.structValue);
  if (Object.hasOwn(v, 'listValue')) return ((v.listValue as { values: unknown[] }).values ?? []).map(fromProtoValue);
  return null;
}

/** A google.protobuf.Struct as a plain object. */
export function fromStruct(struct: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = (struct as { fields?: Record<string, unknown> }).fields ?? {};
  for (const key of Object.keys(fields)) put(out, key, fromProtoValue(fields[key]));
  return out;
}

/** A plain object as a google.protobuf.Struct. */
export function toStruct(value: Record<string, unknown>): unknown {
  return (toProtoValue(value, 0) as { structValue: unknown }).structValue;
}

/** Any JSON value ↔ google.protobuf.Value. */
export const jsonCodec: ValueCodec = {
  copies: true,
  encode: (value) => toProtoValue(value, 0),
  decode: fromProtoValue,
};
