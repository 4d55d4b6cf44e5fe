// Codecs of proto scalars, enums and google.protobuf.Timestamp.
import { describe, fail, identity, type ValueCodec } from './value-codec.js';

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
