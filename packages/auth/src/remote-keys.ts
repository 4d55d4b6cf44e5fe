import { type Logger, WharfError } from '@wharf/core';
import type { JWK } from 'jose';
import { amount } from './amount.js';
import { importPublishedKey, type PinnedKey } from './key-import.js';

/** Where and how to fetch the authorization server's published keys. */
export interface JwksOptions {
  readonly url: string;
  /** Shortest time between two fetches, whatever asks for them (an unknown `kid`, a failure); default 30 000 ms. */
  readonly cooldownMs?: number;
  /** Keys older than this are refreshed in the background; default 600 000 ms (10 min). */
  readonly cacheMaxAgeMs?: number;
  /** Longest time one fetch may take; default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Largest JWKS document accepted; default 256 KiB. */
  readonly maxBytes?: number;
}

/** The JWKS defaults (see docs/security.md). */
export const JWKS_DEFAULTS = { cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 5_000, maxBytes: 256 * 1024 } as const;

/**
 * The remote key set: fetched on first use, looked up by `kid`, refreshed in the background when
 * old, re-fetched for an unknown `kid` at most once per cooldown (so a flood of forged kids costs
 * one fetch), all fetches single-flight. A failed fetch keeps the keys already known: while the
 * JWKS endpoint is down, tokens signed by known keys keep verifying.
 */
export class RemoteKeys {
  readonly #options: Required<JwksOptions>;
  readonly #logger: Logger | undefined;
  #byKid = new Map<string, PinnedKey>();
  #unnamed: PinnedKey[] = [];
  #loaded = false;
  #loadedAt = 0;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;
  /** Fetches started so far (for tests and metrics). */
  fetches = 0;

  constructor(options: JwksOptions, logger?: Logger) {
    this.#options = {
      url: options.url,
      cooldownMs: amount('jwks.cooldownMs', options.cooldownMs, JWKS_DEFAULTS.cooldownMs),
      cacheMaxAgeMs: amount('jwks.cacheMaxAgeMs', options.cacheMaxAgeMs, JWKS_DEFAULTS.cacheMaxAgeMs),
      timeoutMs: amount('jwks.timeoutMs', options.timeoutMs, JWKS_DEFAULTS.timeoutMs),
      maxBytes: amount('jwks.maxBytes', options.maxBytes, JWKS_DEFAULTS.maxBytes),
    };
    this.#logger = logger;
  }

  /** The key for a token's `kid` (or the only key, for a token without one); undefined when none. */
  async find(kid: string | undefined): Promise<PinnedKey | undefined> {
    const now = Date.now();
    if (!this.#loaded) {
      await this.#refresh(now).catch(() => {});
      // Not the token's fault: no key was ever fetched. The caller may retry.
      if (!this.#loaded) throw new WharfError('UNAVAILABLE', 'The keys to verify tokens cannot be fetched yet; retry later');
    } else if (now - this.#loadedAt > this.#options.cacheMaxAgeMs) {
      this.#refresh(now).catch(() => {}); // in the background: the known keys answer meanwhile
    }
    const found = this.#lookup(kid);
    if (found !== undefined || kid === undefined) return found;
    // An unknown kid may be a key the provider has just rotated in: fetch again, but only once per cooldown.
    await this.#refresh(Date.now()).catch(() => {});
    return this.#lookup(kid);
  }

  #lookup(kid: string | undefined): PinnedKey | undefined {
    if (kid !== undefined) return this.#byKid.get(kid);
    return this.#unnamed.length === 1 ? this.#unnamed[0] : undefined;
  }

  /** Fetches now unless a fetch is running (joins it) or one started within the cooldown. */
  #refresh(now: number): Promise<void> {
    if (this.#pending !== undefined) return this.#pending;
    if (now - this.#attemptedAt < this.#options.cooldownMs) return Promise.resolve();
    this.#attemptedAt = now;
    this.#pending = this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    this.fetches++;
    const { url, timeoutMs, maxBytes } = this.#options;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
        headers: { accept: 'application/jwk-set+json, application/json' },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const keys = (JSON.parse(await bodyUpTo(response, maxBytes)) as { keys?: unknown }).keys;
      if (!Array.isArray(keys)) throw new Error('the document has no "keys" array');
      const byKid = new Map<string, PinnedKey>();
      const unnamed: PinnedKey[] = [];
      for (const jwk of keys as JWK[]) {
        const key = await importPublishedKey(jwk).catch(() => undefined);
        if (key === undefined) continue;
        if (key.kid === undefined) unnamed.push(key);
        else byKid.set(key.kid, key);
      }
      this.#byKid = byKid;
      this.#unnamed = unnamed;
      this.#loaded = true;
      this.#loadedAt = Date.now();
    } catch (error) {
      this.#logger?.warn(
        { err: error, jwks: url, knownKeys: this.#byKid.size + this.#unnamed.length },
        'Fetching the JWKS failed; verifying with the keys already known',
      );
      throw error;
    }
  }
}

/** The body as text, given up (and the download cancelled) once over `maxBytes`: a huge document is never held whole. */
async function bodyUpTo(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the document is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
}
