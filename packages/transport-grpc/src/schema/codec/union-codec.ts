import type { MessageCodec } from './message-codec.js';
import { describe, EncodeError, fail, type ValueCodec } from './value-codec.js';

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
