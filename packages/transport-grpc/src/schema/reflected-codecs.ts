// Value codecs of the messages of a hand-written .proto, reflected from their protobufjs types.
// Messages keep the .proto's shape; see docs/transports/grpc.md for the JS form of each proto type
// (enums as names, 64-bit integers as decimal strings, bytes as Buffer).
import protobuf from 'protobufjs';
import { type FieldCodec, MessageCodec } from './codec/message-codec.js';
import { boolCodec, bytesCodec, doubleCodec, int32Codec, stringCodec, toLongInput } from './codec/scalar-codecs.js';
import { describe, EncodeError, type ValueCodec } from './codec/value-codec.js';

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES: Readonly<Record<string, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  sint32: [-2147483648, 2147483647],
  sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  fixed32: [0, 4294967295],
};

interface LongLike {
  toString(): string;
}

/** 64-bit integers as decimal strings (the proto3 JSON convention); numbers and bigints are accepted too. */
function longCodec(type: string): ValueCodec {
  const unsigned = type === 'uint64' || type === 'fixed64';
  const max = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
  const min = unsigned ? 0n : -(2n ** 63n);
  return {
    copies: true,
    encode(value) {
      let big: bigint | undefined;
      if (typeof value === 'bigint') big = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === 'string' && /^-?\d+$/.test(value)) big = BigInt(value);
      if (big === undefined || big < min || big > max) {
        throw new EncodeError(`expected a ${type} as a decimal string, a safe integer or a bigint, got ${describe(value)}`);
      }
      return toLongInput(big);
    },
    decode: (value) => (typeof value === 'number' ? String(value) : (value as LongLike).toString()),
  };
}

/** Enums as value names; numbers are accepted on the way out, and unknown numbers come in as numbers. */
function namedEnumCodec(type: protobuf.Enum): ValueCodec {
  return {
    copies: true,
    encode(value) {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      // Own names only: protobufjs's `values` inherits from `valuesById`, so `values['2']` is a name.
      const number = typeof value === 'string' && Object.hasOwn(type.values, value) ? type.values[value] : undefined;
      if (number === undefined) {
        throw new EncodeError(
          `expected a value of enum ${type.name} (${Object.keys(type.values).join(', ')}), got ${describe(value)}`,
        );
      }
      return number;
    },
    decode: (value) => type.valuesById[value as number] ?? value,
  };
}

function scalarCodec(type: string): ValueCodec | undefined {
  if (type === 'string') return stringCodec;
  if (type === 'bool') return boolCodec;
  if (type === 'bytes') return bytesCodec;
  if (type === 'double' || type === 'float') return doubleCodec;
  const range = INT32_TYPES[type];
  if (range !== undefined) return int32Codec(range[0], range[1], type);
  return LONG_TYPES.has(type) ? longCodec(type) : undefined;
}

/** Decodes a 64-bit map key (protobufjs hashes them) into a decimal string. */
function longKey(unsigned: boolean): (key: string) => string {
  return (key) => (key.length === 8 ? String(protobuf.util.longFromHash(key, unsigned)) : key);
}

/** A message of a hand-written .proto, reflected from its protobufjs Type (cached per type: messages recurse). */
export function reflectMessage(type: protobuf.Type, cache: Map<protobuf.Type, MessageCodec>): MessageCodec {
  const hit = cache.get(type);
  if (hit !== undefined) return hit;
  const codec = new ReflectedMessage(type);
  cache.set(type, codec);
  const fields: FieldCodec[] = type.fieldsArray.map((field) => {
    field.resolve();
    const resolved = field.resolvedType;
    let value: ValueCodec;
    if (resolved instanceof protobuf.Type) value = reflectMessage(resolved, cache);
    else if (resolved instanceof protobuf.Enum) value = namedEnumCodec(resolved);
    else value = scalarCodec(field.type) ?? stringCodec;
    const keyType = field.map ? (field as unknown as protobuf.MapField).keyType : undefined;
    const shape = field.map ? 'map' : field.repeated ? 'repeated' : 'single';
    const explicit =
      resolved instanceof protobuf.Type ||
      field.partOf !== null ||
      (field.options?.proto3_optional as boolean | undefined) === true;
    return {
      key: field.name,
      shape,
      value,
      explicit,
      optional: true,
      nullable: true,
      defaultValue: undefined,
      collection: undefined,
      keepEmpty: true,
      decodeKey:
        keyType !== undefined && LONG_TYPES.has(keyType) ? longKey(keyType.startsWith('u') || keyType === 'fixed64') : undefined,
    };
  });
  codec.define(fields);
  return codec;
}

/** A reflected message also names the member set in each real oneof (`{ kind: 'text', text: '…' }`). */
class ReflectedMessage extends MessageCodec {
  readonly #oneofs: readonly protobuf.OneOf[];

  constructor(type: protobuf.Type) {
    super();
    // proto3 `optional` fields have synthetic oneofs named `_field`; those are not real choices.
    this.#oneofs = type.oneofsArray.filter((o) => !(o.fieldsArray.length === 1 && o.fieldsArray[0]?.options?.proto3_optional));
  }

  override decode(message: unknown): unknown {
    const out = super.decode(message) as Record<string, unknown>;
    for (const oneof of this.#oneofs) {
      const set = oneof.oneof.find((name) => out[name] !== undefined);
      if (set !== undefined) out[oneof.name] = set;
    }
    return out;
  }
}
