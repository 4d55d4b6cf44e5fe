import { type BucketPolicy, type Decision, type RateLimitStore, takeToken } from './store.js';

/**
 * Buckets in this process: for one gateway instance. Idle buckets are swept once they would be
 * full again, so memory follows the number of active callers, not of callers ever seen.
 */
export function memoryStore(options: { readonly maxKeys?: number } = {}): RateLimitStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number; fullAt: number }>();
  let sweepAt = 0;

  function sweep(now: number): void {
    for (const [key, bucket] of buckets) if (bucket.fullAt <= now) buckets.delete(key);
    sweepAt = now + 10_000;
  }

  return {
    take(key: string, policy: BucketPolicy): Decision {
      const now = Date.now();
      if (now >= sweepAt || buckets.size >= maxKeys) sweep(now);
      // Under a flood of distinct keys (spoofed identities cannot get here: keys are verified
      // subjects or socket addresses) the table is capped: new keys share one bucket. The take is
      // from that shared bucket too, or each new key would start full on every call.
      const slot = buckets.size >= maxKeys && !buckets.has(key) ? '\0overflow' : key;
      const current = buckets.get(slot) ?? { tokens: policy.burst, at: now, fullAt: now };
      const next = takeToken(current, policy, now);
      buckets.set(slot, { tokens: next.tokens, at: next.at, fullAt: now + ((policy.burst - next.tokens) / policy.rate) * 1000 });
      return next.decision;
    },
  };
}
