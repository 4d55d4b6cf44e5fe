// The wire side of a method, the same whether its messages were generated from zod schemas or
// read from a hand-written .proto: the transport's two halves see only this.
import type { RpcRef } from '@wharf/core/transport';
import type protobuf from 'protobufjs';
import { EncodeError, type ValueCodec } from './codec/value-codec.js';

/** Encodes a value to the bytes of one message and back. */
export interface WireCodec {
  /** Throws EncodeError when the value does not fit the message. */
  encode(value: unknown): Buffer;
  /** Throws when the bytes are not a valid message. */
  decode(bytes: Uint8Array): unknown;
}

/** The wire side of one method: its path and the codecs of its request and response messages. */
export interface MethodWire {
  readonly ref: RpcRef;
  /** `/greeter.v1.Greeter/Greet` */
  readonly path: string;
  readonly request: WireCodec;
  readonly response: WireCodec;
}

/** The codec of one message type: `values` converts values, protobufjs does the bytes. */
export function wireCodec(type: protobuf.Type, values: ValueCodec): WireCodec {
  return {
    encode(value) {
      const message = values.encode(value) as Record<string, unknown>;
      try {
        return type.encode(message).finish() as Buffer;
      } catch (error) {
        // protobufjs refuses messages nested deeper than protoc's limit (100), as peers would.
        throw new EncodeError(`cannot be encoded as ${type.fullName.slice(1)}: ${(error as Error).message}`);
      }
    },
    decode: (bytes) => values.decode(type.decode(bytes)),
  };
}
