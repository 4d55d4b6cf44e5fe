// Redis: an atomic Lua script (the shape of a token-bucket rate limit) and a key that expires,
// with `redis`, the official client.
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';

const available = await requireService('redis', 'the Redis smoke test');

describe.skipIf(!available)('Redis (REDIS_URL)', () => {
  it('runs a Lua script atomically and expires a key', async () => {
    const client = createClient({ url: serviceUrl('redis') });
    client.on('error', () => {});
    await client.connect();
    const key = `wharf-smoke:${randomBytes(4).toString('hex')}`;
    try {
      const take = "local n = redis.call('INCR', KEYS[1]); redis.call('PEXPIRE', KEYS[1], ARGV[1]); return n";
      const counts = await Promise.all(Array.from({ length: 5 }, () => client.eval(take, { keys: [key], arguments: ['300'] })));
      expect([...counts].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await client.pTTL(key)).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await client.exists(key)).toBe(0);
    } finally {
      await client.del(key);
      client.destroy();
    }
  });
});
