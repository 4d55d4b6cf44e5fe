// Client credentials against a token endpoint that refuses: a local HTTP server on loopback.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientCredentials } from '@wharf/auth';
import { describe, expect, it } from 'vitest';

describe('client credentials when the token endpoint fails', () => {
  it('one token request per cooldown, not one per call; the next after it, and a recovery is used', async () => {
    let requests = 0;
    let refusing = true;
    const server = createServer((_req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      if (refusing) res.writeHead(401).end('{"error":"invalid_client"}');
      else res.end('{"access_token":"fresh","token_type":"Bearer","expires_in":300}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const credentials = clientCredentials({
        tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
        clientId: 'orders',
        clientSecret: 'orders-secret',
        cooldownMs: 400,
      });
      let refused = 0;
      let firstRefusal = 0;
      // 250 ms of calls counted from the first refusal (the cooldown starts there), not from before
      // the first token request: on a busy machine that request alone can take 250 ms.
      while (refused === 0 || Date.now() - firstRefusal < 250) {
        await credentials.authorization().then(
          () => expect.unreachable('a refused client has no token'),
          (error: unknown) => {
            expect(error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/invalid_client/) });
            if (refused++ === 0) firstRefusal = Date.now();
          },
        );
      }
      expect(refused).toBeGreaterThan(10);
      expect(requests).toBe(1);
      expect(credentials.fetches).toBe(1);

      refusing = false;
      await new Promise((resolve) => setTimeout(resolve, firstRefusal + 450 - Date.now()));
      expect(await credentials.authorization()).toBe('Bearer fresh');
      expect(requests).toBe(2);
    } finally {
      server.close();
    }
  });

  it('refuses numeric settings that are not finite numbers ≥ 0 when created, naming the setting', () => {
    const base = { tokenUrl: 'http://127.0.0.1:1/token', clientId: 'orders', clientSecret: 'orders-secret' };
    for (const [name, value] of [
      ['timeoutMs', Number.NaN],
      ['refreshBeforeMs', -1],
      ['cooldownMs', '1000'],
    ] as const) {
      expect(() => clientCredentials({ ...base, [name]: value } as never)).toThrow(
        new RegExp(`\`${name}\` must be a finite number`),
      );
    }
  });
});
