import type { Identity } from './identity.js';

/**
 * Tokens already verified, until they expire: a repeat skips the signature check (an RS256
 * verification costs tens of microseconds). Keyed by the whole token, signature included, so only
 * the exact bytes that passed every check hit; bounded, the oldest entry leaving first.
 */
export class VerifiedTokens {
  readonly #max: number;
  readonly #entries = new Map<string, Identity>();

  constructor(max: number) {
    this.#max = max;
  }

  /** The identity of a token verified before, unless it has expired by `notBefore` (now minus the tolerance). */
  get(token: string, notBefore: number): Identity | undefined {
    if (this.#max === 0) return undefined;
    const identity = this.#entries.get(token);
    if (identity === undefined) return undefined;
    if (identity.expiresAt > notBefore) return identity;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, identity: Identity): void {
    if (this.#max === 0) return;
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(token, identity);
  }
}
