import type { Logger } from '@wharf/core';
import { memoryStore } from './memory-store.js';
import type { BucketPolicy, Decision, RateLimitStore } from './store.js';

/** Rate limits at the edge: token buckets per verified identity and per client IP. */
export interface RateLimitOptions {
  /** Per verified caller (the token's subject): `{ rate, burst }` per second. Callers without a valid token have only the IP limit. */
  readonly perIdentity?: { readonly rate: number; readonly burst: number };
  /** Per client IP (the socket's peer address). */
  readonly perIp?: { readonly rate: number; readonly burst: number };
  /** Where buckets live; default in this process (`memoryStore()`); `redisStore(...)` to share them between instances. */
  readonly store?: RateLimitStore;
  /** What to do when the store fails (Redis down): `allow` (default: stay up, log) or `deny` (429). */
  readonly onStoreError?: 'allow' | 'deny';
}

/** A limiter's answer: refused or not, and the headers to send either way. */
export interface LimitAnswer {
  readonly allowed: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

function policy(name: string, limit: { rate: number; burst: number } | undefined): BucketPolicy | undefined {
  if (limit === undefined) return undefined;
  if (!(limit.rate > 0) || !(limit.burst >= 1)) {
    throw new TypeError(`gateway: rateLimit.${name} needs rate > 0 (per second) and burst ≥ 1; got ${JSON.stringify(limit)}`);
  }
  return { name: name === 'perIp' ? 'per-ip' : 'per-identity', rate: limit.rate, burst: limit.burst };
}

/**
 * `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers) for the tighter of the
 * buckets, and `Retry-After` (whole seconds, RFC 9110) when refused.
 */
function headersOf(results: readonly [BucketPolicy, Decision][], allowed: boolean): Record<string, string> {
  const [tightPolicy, tight] = results.reduce((a, b) => (b[1].remaining < a[1].remaining ? b : a));
  const window = Math.max(1, Math.ceil(tightPolicy.burst / tightPolicy.rate));
  const reset = Math.max(0, Math.ceil((tightPolicy.burst - tight.remaining) / tightPolicy.rate));
  const headers: Record<string, string> = {
    'ratelimit-policy': results.map(([p]) => `"${p.name}";q=${p.burst};w=${Math.max(1, Math.ceil(p.burst / p.rate))}`).join(', '),
    ratelimit: `"${tightPolicy.name}";r=${tight.remaining};t=${allowed ? Math.min(reset, window) : Math.ceil(tight.retryAfterMs / 1000)}`,
  };
  if (!allowed) {
    const wait = Math.max(...results.filter(([, d]) => !d.allowed).map(([, d]) => d.retryAfterMs));
    headers['retry-after'] = String(Math.max(1, Math.ceil(wait / 1000)));
  }
  return headers;
}

/** The limiter: takes a token from each bucket that applies. */
export class RateLimiter {
  readonly store: RateLimitStore;
  readonly #perIdentity: BucketPolicy | undefined;
  readonly #perIp: BucketPolicy | undefined;
  readonly #deny: boolean;
  readonly #logger: Logger;

  constructor(options: RateLimitOptions, logger: Logger) {
    this.#perIdentity = policy('perIdentity', options.perIdentity);
    this.#perIp = policy('perIp', options.perIp);
    this.store = options.store ?? memoryStore();
    this.#deny = options.onStoreError === 'deny';
    this.#logger = logger;
  }

  /**
   * Takes a token from the caller's IP bucket, then — only if that passed, so a flood of forged
   * tokens from one address costs no signature checks once its bucket is empty — from the bucket of
   * the identity `identify` resolves (a verified subject, or undefined).
   */
  async check(ip: string | undefined, identify: () => Promise<string | undefined>): Promise<LimitAnswer> {
    const results: [BucketPolicy, Decision][] = [];
    try {
      if (this.#perIp !== undefined && ip !== undefined) {
        results.push([this.#perIp, await this.store.take(`ip:${ip}`, this.#perIp)]);
        if (!(results[0] as [BucketPolicy, Decision])[1].allowed) return { allowed: false, headers: headersOf(results, false) };
      }
      const identity = this.#perIdentity === undefined ? undefined : await identify();
      if (this.#perIdentity !== undefined && identity !== undefined) {
        results.push([this.#perIdentity, await this.store.take(`id:${identity}`, this.#perIdentity)]);
      }
    } catch (error) {
      this.#logger.warn({ err: error }, `The rate-limit store failed; ${this.#deny ? 'refusing' : 'allowing'} the request`);
      return this.#deny ? { allowed: false, headers: { 'retry-after': '1' } } : { allowed: true, headers: {} };
    }
    if (results.length === 0) return { allowed: true, headers: {} };
    const allowed = results.every(([, d]) => d.allowed);
    return { allowed, headers: headersOf(results, allowed) };
  }
}
