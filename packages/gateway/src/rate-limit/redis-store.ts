import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import type { BucketPolicy, Decision, RateLimitStore } from './store.js';

// The token bucket, atomically in Redis, on Redis's clock (TIME), so gateway instances whose clocks
// differ still share one bucket. Returns {allowed, tokens (as a string: Lua numbers are truncated
// to integers in replies), ms until the next token}.
const SCRIPT = `
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if state[1] then
  tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, tostring(tokens), wait}
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

type Client = ReturnType<typeof createClient>;

/** Where the shared buckets live. */
export interface RedisStoreOptions {
  /** A connected node-redis client (yours to close), or a `redis://` URL (the store connects and closes it). */
  readonly redis: Client | string;
  /** Prefix of every key; default `wharf:ratelimit:`. */
  readonly prefix?: string;
}

/**
 * Buckets in Redis, shared by every gateway instance: one atomic script per call (EVALSHA), on
 * Redis's clock.
 */
export function redisStore(options: RedisStoreOptions): RateLimitStore {
  const owned = typeof options.redis === 'string';
  const client: Client = typeof options.redis === 'string' ? createClient({ url: options.redis }) : options.redis;
  if (owned) {
    client.on('error', () => {}); // reconnects by itself; a take meanwhile fails and the limiter decides
    // Never awaited: while Redis is unreachable it stays pending, and a take must not wait on it.
    client.connect().catch(() => {});
  }
  const prefix = options.prefix ?? 'wharf:ratelimit:';

  async function run(key: string, policy: BucketPolicy): Promise<unknown> {
    const args = { keys: [prefix + key], arguments: [String(policy.rate), String(policy.burst)] };
    try {
      return await client.evalSha(SHA, args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return client.eval(SCRIPT, args);
    }
  }

  return {
    async take(key, policy): Promise<Decision> {
      // node-redis queues commands while it (re)connects, so a take would wait for Redis to come
      // back (forever if it never was up) and the call with it: fail now, the limiter applies
      // `onStoreError`.
      if (!client.isReady) throw new Error('Redis is not connected; the rate-limit store cannot take a token');
      const [allowed, tokens, wait] = (await run(key, policy)) as [number, string, number];
      return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), retryAfterMs: Number(wait) };
    },
    async close() {
      if (!owned) return;
      // QUIT would be queued behind a reconnection that may never succeed.
      if (client.isReady) await client.quit().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
