// The codec of a message: its fields one by one, with what absence means for each. Generated
// messages and those reflected from a hand-written .proto share it.
import { describe, EncodeError, fail, identity, put, type ValueCodec } from './value-codec.js';

/** How a field is laid out on the wire. */
export type FieldShape = 'single' | 'repeated' | 'map';

/** One field of a message: its key, shape, value codec and what absence means. */
export interface FieldCodec {
  readonly key: string;
  readonly shape: FieldShape;
  readonly value: ValueCodec;
  /** The field has presence on the wire (`optional` label, or a message type). */
  readonly explicit: boolean;
  /** `undefined` may be encoded (as absent). */
  readonly optional: boolean;
  /** `null` may be encoded (as absent). */
  readonly nullable: boolean;
  /** `null` is a value the codec encodes (JSON's null), not absence. */
  readonly nullValue?: boolean;
  /** Applied when the field is absent. */
  readonly defaultValue: (() => unknown) | undefined;
  /** A repeated field holds a Set; a map field holds a Map. */
  readonly collection: 'set' | 'map' | undefined;
  /** An empty list or map decodes as empty (rather than as absent). */
  readonly keepEmpty: boolean;
  /** Converts a decoded map key (protobufjs hashes 64-bit keys). */
  readonly decodeKey?: (key: string) => string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeList(field: FieldCodec, value: unknown): unknown {
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  else if (field.collection === 'set' && value instanceof Set) list = [...value];
  else return fail(`expected ${field.collection === 'set' ? 'a Set' : 'an array'}, got ${describe(value)}`);
  const codec = field.value;
  const out = codec.copies || list !== value ? new Array<unknown>(list.length) : undefined;
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    if (element === undefined || element === null) throw new EncodeError(`expected a value, got ${describe(element)}`).at(i);
    try {
      const encoded = codec.encode(element);
      if (out !== undefined) out[i] = encoded;
    } catch (error) {
      throw error instanceof EncodeError ? error.at(i) : error;
    }
  }
  return out ?? list;
}

function encodeMap(field: FieldCodec, value: unknown): unknown {
  let entries: Iterable<[unknown, unknown]>;
  if (field.collection === 'map') {
    if (!(value instanceof Map)) return fail(`expected a Map, got ${describe(value)}`);
    entries = value;
  } else {
    if (!isPlainObject(value)) return fail(`expected an object, got ${describe(value)}`);
    if (!field.value.copies) {
      for (const key of Object.keys(value)) checkEntry(field, key, value[key]);
      return value;
    }
    entries = Object.entries(value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    if (typeof key !== 'string') return fail(`expected string keys, got ${describe(key)}`);
    put(out, key, checkEntry(field, key, v));
  }
  return out;
}

function checkEntry(field: FieldCodec, key: string, value: unknown): unknown {
  if (value === undefined || value === null) throw new EncodeError(`expected a value, got ${describe(value)}`).at(key);
  try {
    return field.value.encode(value);
  } catch (error) {
    throw error instanceof EncodeError ? error.at(key) : error;
  }
}

function encodeField(field: FieldCodec, value: unknown): unknown {
  if (field.shape === 'single') return field.value.encode(value);
  return field.shape === 'repeated' ? encodeList(field, value) : encodeMap(field, value);
}

function decodeList(field: FieldCodec, list: unknown[]): unknown {
  const codec = field.value;
  const out = codec.copies || codec.decode !== identity ? list.map((v) => codec.decode(v)) : list;
  return field.collection === 'set' ? new Set(out) : out;
}

function decodeMap(field: FieldCodec, map: Record<string, unknown>, keys: string[]): unknown {
  const codec = field.value;
  const decodeKey = field.decodeKey ?? ((key: string) => key);
  if (field.collection === 'map') return new Map(keys.map((k) => [decodeKey(k), codec.decode(map[k])]));
  const out: Record<string, unknown> = {};
  for (const key of keys) put(out, decodeKey(key), codec.decode(map[key]));
  return out;
}

/**
 * A message: encodes an object field by field (checking each), decodes a protobufjs message into
 * a plain object with absent fields resolved (default, undefined, null, or an empty list).
 */
export class MessageCodec implements ValueCodec {
  copies = false;
  fields: readonly FieldCodec[] = [];

  /** Sets the fields once they are mapped (a recursive schema refers to its codec before). */
  define(fields: readonly FieldCodec[]): void {
    this.fields = fields;
    this.copies = fields.some((f) => f.value.copies || f.collection !== undefined);
  }

  encode(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(`expected an object, got ${describe(value)}`);
    }
    const source = value as Record<string, unknown>;
    // protobufjs reads own properties only: a class instance (getters) is copied into a plain object.
    const out: Record<string, unknown> | undefined = this.copies || !isPlainObject(value) ? {} : undefined;
    for (const field of this.fields) {
      const v = source[field.key];
      if (v === undefined || (v === null && field.nullValue !== true)) {
        if (v === undefined ? field.optional : field.nullable) continue;
        throw new EncodeError(v === undefined ? 'required, but missing' : 'must not be null').at(field.key);
      }
      let encoded: unknown;
      try {
        encoded = encodeField(field, v);
      } catch (error) {
        throw error instanceof EncodeError ? error.at(field.key) : error;
      }
      if (out !== undefined) out[field.key] = encoded;
    }
    return out ?? value;
  }

  decode(message: unknown): unknown {
    const m = message as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of this.fields) {
      const key = field.key;
      let decoded: unknown;
      if (field.shape === 'single') {
        const raw = m[key];
        if (raw !== null && raw !== undefined && (!field.explicit || Object.hasOwn(m, key))) decoded = field.value.decode(raw);
      } else if (field.shape === 'repeated') {
        const raw = m[key] as unknown[] | undefined;
        if (raw !== undefined && raw.length > 0) decoded = decodeList(field, raw);
        else if (field.keepEmpty) decoded = field.collection === 'set' ? new Set() : [];
      } else {
        const raw = m[key] as Record<string, unknown> | undefined;
        const keys = raw === undefined ? [] : Object.keys(raw);
        if (keys.length > 0) decoded = decodeMap(field, raw as Record<string, unknown>, keys);
        else if (field.keepEmpty) decoded = field.collection === 'map' ? new Map() : {};
      }
      if (decoded === undefined) {
        if (field.defaultValue !== undefined) decoded = field.defaultValue();
        else if (field.nullable && !field.optional) decoded = null;
        else continue;
      }
      out[key] = decoded;
    }
    return out;
  }
}
