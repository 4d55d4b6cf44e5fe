// Value codecs: between the values a zod schema describes and the plain objects protobufjs
// encodes and decodes. Encoding checks every value against its proto type, so a value protobufjs
// would silently truncate (1.5 in an int32, a string in a bool) is refused instead of corrupted.

/** Converts one value between its schema form and its protobufjs form. */
export interface ValueCodec {
  /** True when `encode` builds a new value; false when it only checks its input and returns it. */
  readonly copies: boolean;
  /** The protobufjs form of `value` (never null or undefined); throws EncodeError. */
  encode(value: unknown): unknown;
  /** The schema form of a decoded value; undefined means "absent" (an enum's 0, an empty oneof). */
  decode(value: unknown): unknown;
}

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

export function fail(description: string): never {
  throw new EncodeError(description);
}

/** The decode of a codec whose decoded form is already the schema's: lists skip the copy for it. */
export const identity = (value: unknown): unknown => value;

/** Sets `out[key]`, as an own property even for `__proto__` (a map key like any other). */
export function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
