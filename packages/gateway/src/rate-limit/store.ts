/** A token bucket: `burst` tokens at most, refilled at `rate` per second. */
export interface BucketPolicy {
  /** Names the policy in the `RateLimit` headers, e.g. `per-ip`. */
  readonly name: string;
  /** Tokens added per second: the sustained rate. */
  readonly rate: number;
  /** Bucket size: how many calls may come at once after a quiet spell. */
  readonly burst: number;
}

/** What taking one token from a bucket decided. */
export interface Decision {
  readonly allowed: boolean;
  /** Whole tokens left after this call. */
  readonly remaining: number;
  /** When refused: milliseconds until a token is back. */
  readonly retryAfterMs: number;
}

/** Where buckets live: one process (`memoryStore`) or shared by every gateway instance (`redisStore`). */
export interface RateLimitStore {
  /** Takes one token from the bucket `key` under `policy`. */
  take(key: string, policy: BucketPolicy): Decision | Promise<Decision>;
  close?(): Promise<void>;
}

/** Refills and takes one token: the token bucket's arithmetic, shared by the stores that run it here. */
export function takeToken(
  state: { tokens: number; at: number },
  policy: BucketPolicy,
  now: number,
): { tokens: number; at: number; decision: Decision } {
  const perMs = policy.rate / 1000;
  let tokens = Math.min(policy.burst, state.tokens + Math.max(0, now - state.at) * perMs);
  const allowed = tokens >= 1;
  if (allowed) tokens -= 1;
  return {
    tokens,
    at: now,
    decision: { allowed, remaining: Math.floor(tokens), retryAfterMs: allowed ? 0 : Math.ceil((1 - tokens) / perMs) },
  };
}
