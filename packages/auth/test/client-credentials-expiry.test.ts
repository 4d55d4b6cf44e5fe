// A token is never handed out past its expiry, even when the token endpoint is slow and keeps its
// clock in whole seconds (exp = floor(issued) + expires_in): counting expires_in from the answer
// gave a token the request's duration of life it does not have (CI once got one at its exp).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientCredentials } from '@wharf/auth';
import { describe, expect, it } from 'vitest';

describe('client credentials and a slow token endpoint', () => {
  it('never hands out a token at or past its exp', async () => {
    let issued = 0;
    const server = createServer((_req, res) => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const token = `t${issued++}.${exp}`;
      // Answers 600 ms after issuing: the life left is 600 ms shorter than expires_in says.
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 2 }));
      }, 600);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const credentials = clientCredentials({
        tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
        clientId: 'orders',
        clientSecret: 'orders-secret',
        refreshBeforeMs: 300,
      });
      const late: string[] = [];
      const started = Date.now();
      while (Date.now() - started < 5_000) {
        const token = (await credentials.authorization()).slice('Bearer '.length);
        const exp = Number(token.split('.')[1]) * 1000;
        if (Date.now() >= exp) late.push(`${token} handed out ${Date.now() - exp} ms after its exp`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(late).toEqual([]);
      expect(issued).toBeGreaterThanOrEqual(2);
    } finally {
      server.close();
    }
  }, 15_000);
});
