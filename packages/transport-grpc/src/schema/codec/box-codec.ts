// The codecs of messages Wharf makes up for values that are not messages themselves.
import { type FieldCodec, MessageCodec } from './message-codec.js';
import type { ValueCodec } from './value-codec.js';

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
