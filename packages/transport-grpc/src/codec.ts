// Value codecs: between the values a zod schema describes and the plain objects protobufjs
// encodes and decodes. Encoding checks every value against its proto type, so a value protobufjs
// would silently truncate (1.5 in an int32, a string in a bool) is refused instead of corrupted.

/** A value that cannot be encoded, with the path to it (`items[2].qty`). */
export class EncodeError extends Error {
  readonly path: (string | number)[] = [];

  at(segment: string | number): this {
    this.path.unshift(segment);
    return this;
  }

  /** `items[2].qty` (or `(root)`). */
  get where(): string {
    let out = '';
    for (const segment of this.path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
    return out === '' ? '(root)' : out;
  }
}

/** Describes a value for an error message, without echoing it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

function fail(description: string): never {
  throw new EncodeError(description);
}

/** Converts one value between its schema form and its protobufjs form. */
export interface ValueCodec {
  /** True when `encode` builds a new value; false when it only checks its input and returns it. */
  readonly copies: boolean;
  /** The protobufjs form of `value` (never null or undefined); throws EncodeError. */
  encode(value: unknown): unknown;
  /** The schema form of a decoded value; undefined means "absent" (an enum's 0, an empty oneof). */
  decode(value: unknown): unknown;
}

interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

function isLong(value: unknown): value is LongLike {
  return typeof value === 'object' && value !== null && typeof (value as LongLike).low === 'number';
}

const identity = (value: unknown): unknown => value;

const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

export const stringCodec: ValueCodec = {
  copies: false,
  encode(value) {
    if (typeof value !== 'string') return fail(`expected a string, got ${describe(value)}`);
    // protobuf strings are UTF-8; a lone surrogate has no UTF-8 form and peers refuse the message.
    return wellFormed(value) ? value : fail('contains a lone surrogate, which is not valid UTF-8');
  },
  decode: identity,
};

export const boolCodec: ValueCodec = {
  copies: false,
  encode: (value) => (typeof value === 'boolean' ? value : fail(`expected a boolean, got ${describe(value)}`)),
  decode: identity,
};

export const doubleCodec: ValueCodec = {
  copies: false,
  encode: (value) => (typeof value === 'number' ? value : fail(`expected a number, got ${describe(value)}`)),
  decode: identity,
};

const EMPTY = Buffer.alloc(0);

export const bytesCodec: ValueCodec = {
  copies: false,
  encode: (value) => (value instanceof Uint8Array ? value : fail(`expected bytes (a Uint8Array), got ${describe(value)}`)),
  // An absent bytes field reads as protobufjs's shared empty array: answer a Buffer, as when present.
  decode: (value) => (value instanceof Uint8Array ? value : Buffer.from(EMPTY)),
};

/** An integer codec for a 32-bit proto type with the given range. */
export function int32Codec(min: number, max: number, type: string): ValueCodec {
  return {
    copies: false,
    encode(value) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
      return fail(`expected an integer that fits ${type}, got ${describe(value)}`);
    },
    decode: identity,
  };
}

/** A 64-bit proto integer carried as a JS number: exact within ±2^53, which zod's z.int() guarantees. */
export function int64NumberCodec(unsigned: boolean, type: string): ValueCodec {
  return {
    copies: false,
    encode(value) {
      if (typeof value === 'number' && Number.isSafeInteger(value) && (!unsigned || value >= 0)) return value;
      return fail(`expected a safe integer that fits ${type}, got ${describe(value)}`);
    },
    decode: (value) => (isLong(value) ? value.toNumber() : value),
  };
}

const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit integer as protobufjs takes it: a number when exact, else a decimal string. */
export function toLongInput(value: bigint): number | string {
  return value >= SAFE_MIN && value <= SAFE_MAX ? Number(value) : value.toString();
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A 64-bit proto integer carried as a JS bigint. */
export function int64BigintCodec(unsigned: boolean, type: string): ValueCodec {
  const min = unsigned ? 0n : INT64_MIN;
  const max = unsigned ? UINT64_MAX : INT64_MAX;
  return {
    copies: true,
    encode(value) {
      // protobufjs takes 64-bit values as numbers or decimal strings (a bigint it would write as 0);
      // a number where exact, so that 0 is recognised as the default and not written.
      if (typeof value === 'bigint' && value >= min && value <= max) return toLongInput(value);
      return fail(`expected a bigint that fits ${type}, got ${describe(value)}`);
    },
    decode: (value) => (isLong(value) ? BigInt(value.toString()) : typeof value === 'number' ? BigInt(value) : value),
  };
}

/** A string enum: the schema's values ↔ proto enum numbers 1…n (0 is the UNSPECIFIED value). */
export function enumCodec(values: readonly string[], numbers: readonly number[]): ValueCodec {
  const toNumber = new Map(values.map((v, i) => [v, numbers[i] as number]));
  const toValue = new Map(numbers.map((n, i) => [n, values[i] as string]));
  return {
    copies: true,
    encode(value) {
      const number = typeof value === 'string' ? toNumber.get(value) : undefined;
      if (number !== undefined) return number;
      return fail(`expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`);
    },
    // 0 (unset) is absent; an unknown number (from a newer peer) passes through for zod to refuse.
    decode: (value) => (value === 0 ? undefined : (toValue.get(value as number) ?? value)),
  };
}

/** A Date ↔ google.protobuf.Timestamp, to the millisecond. */
export const timestampCodec: ValueCodec = {
  copies: true,
  encode(value) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) return fail(`expected a valid Date, got ${describe(value)}`);
    const ms = value.getTime();
    const seconds = Math.floor(ms / 1000);
    return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
  },
  decode(value) {
    const { seconds, nanos } = value as { seconds: unknown; nanos: number };
    const s = isLong(seconds) ? seconds.toNumber() : (seconds as number);
    return new Date(s * 1000 + Math.floor(nanos / 1_000_000));
  },
};

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

/** Any JSON value ↔ google.protobuf.Value: the escape hatch for schemas proto3 cannot describe. */
export const jsonCodec: ValueCodec = {
  copies: true,
  encode: (value) => toProtoValue(value, 0),
  decode: fromProtoValue,
};

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

/** Sets `out[key]`, as an own property even for `__proto__` (a map key like any other). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
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

/** One variant of a discriminated union: its discriminator value, oneof member and message. */
export interface VariantCodec {
  readonly value: string;
  readonly member: string;
  readonly codec: MessageCodec;
}

/** A discriminated union ↔ a message holding one oneof, one member per variant. */
export class UnionCodec implements ValueCodec {
  readonly copies = true;
  readonly #discriminator: string;
  readonly #variants: readonly VariantCodec[];
  readonly #byValue: ReadonlyMap<string, VariantCodec>;

  constructor(discriminator: string, variants: readonly VariantCodec[]) {
    this.#discriminator = discriminator;
    this.#variants = variants;
    this.#byValue = new Map(variants.map((v) => [v.value, v]));
  }

  encode(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(`expected an object, got ${describe(value)}`);
    }
    const tag = (value as Record<string, unknown>)[this.#discriminator];
    const variant = typeof tag === 'string' ? this.#byValue.get(tag) : undefined;
    if (variant === undefined) {
      const known = this.#variants.map((v) => JSON.stringify(v.value)).join(', ');
      throw new EncodeError(`expected one of ${known}, got ${describe(tag)}`).at(this.#discriminator);
    }
    return { [variant.member]: variant.codec.encode(value) };
  }

  decode(message: unknown): unknown {
    const m = message as Record<string, unknown>;
    for (const variant of this.#variants) {
      const inner = m[variant.member];
      if (inner !== null && inner !== undefined && Object.hasOwn(m, variant.member)) {
        return { [this.#discriminator]: variant.value, ...(variant.codec.decode(inner) as object) };
      }
    }
    return undefined;
  }
}

/** A non-message value carried as the one field `value` of a wrapper message. */
export class BoxCodec implements ValueCodec {
  readonly copies = true;
  readonly #inner: MessageCodec;

  constructor(field: FieldCodec) {
    this.#inner = new MessageCodec();
    this.#inner.define([field]);
  }

  encode(value: unknown): unknown {
    return this.#inner.encode({ value });
  }

  decode(message: unknown): unknown {
    return (this.#inner.decode(message) as { value?: unknown }).value;
  }
}

/** An empty message for `z.void()`: whatever is given encodes as nothing and decodes as undefined. */
export const voidCodec: ValueCodec = {
  copies: true,
  encode: () => ({}),
  decode: () => undefined,
};
