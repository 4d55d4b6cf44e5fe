// Client credentials: one token request for many calls, refreshed before it expires (no call ever
// goes out with an expired token), one request at a time, and a refused client said plainly.
import { clientCredentials } from '@wharf/auth';
import { startIdentityProvider } from '@wharf/identity-provider';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';

describe('client credentials', () => {
  it('caches the token, refreshes it before expiry, and never sends an expired one', async () => {
    const idp = await startIdentityProvider({
      services: [{ id: 'orders', secret: 'orders-secret-0123456789abcdef0123' }],
      resources: [{ audience: 'urn:wharf:shop', scopes: ['orders:read'], ttlSeconds: 2 }],
    });
    try {
      const credentials = clientCredentials({
        tokenUrl: idp.tokenEndpoint,
        clientId: 'orders',
        clientSecret: 'orders-secret-0123456789abcdef0123',
        scope: 'orders:read',
        refreshBeforeMs: 1_000,
      });
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => credentials.authorization()));
      expect(new Set(concurrent).size).toBe(1);
      expect(credentials.fetches).toBe(1);
      const subjects = new Set<string>();
      const started = Date.now();
      while (Date.now() - started < 4_500) {
        const token = (await credentials.authorization()).slice('Bearer '.length);
        const claims = decodeJwt(token);
        expect((claims.exp as number) * 1000).toBeGreaterThan(Date.now()); // never expired when handed out
        subjects.add(claims.jti as string);
        await new Promise((r) => setTimeout(r, 25));
      }
      // 2 s tokens refreshed ~1 s before expiry over 4.5 s: a handful of requests, not one per call.
      expect(credentials.fetches).toBeGreaterThanOrEqual(3);
      expect(credentials.fetches).toBeLessThanOrEqual(7);
      expect(subjects.size).toBe(credentials.fetches);

      const wrong = clientCredentials({
        tokenUrl: idp.tokenEndpoint,
        clientId: 'orders',
        clientSecret: 'wrong-secret-0123456789abcdef01234',
      });
      await expect(wrong.authorization()).rejects.toMatchObject({
        code: 'INTERNAL',
        message: expect.stringMatching(/refused client orders: invalid_client/),
      });
    } finally {
      await idp.close();
    }
    const down = clientCredentials({ tokenUrl: 'http://127.0.0.1:1/token', clientId: 'x', clientSecret: 'y' });
    await expect(down.authorization()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
