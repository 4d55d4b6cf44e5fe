// The remote key set against a JWKS endpoint that misbehaves or publishes what the guard must
// handle: a local HTTP server on loopback, no provider needed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteKeys, TokenVerifier } from '@wharf/auth';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ENDLESS_CAP = 64 * 1024 * 1024; // what the endless document stops at, so the test ends by itself
let server: Server;
let base: string;
let published: JWK[] = [];
let written = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/jwks') return void res.end(JSON.stringify({ keys: published }));
    // A document that never ends (up to the cap), sent as fast as the client reads it.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"keys":[');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (written < ENDLESS_CAP && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end(']}');
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('JWKS limits', () => {
  it('a document over maxBytes is refused as it arrives, not read whole first', async () => {
    const keys = new RemoteKeys({ url: `${base}/endless`, maxBytes: 64 * 1024, timeoutMs: 10_000 });
    await expect(keys.find('any')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(keys.fetches).toBe(1);
    // Socket buffers on both sides hold a few MB at most; reading it all would be the whole cap.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('a published Ed25519 key (RFC 9864 `alg: Ed25519`) verifies tokens signed with that alg', async () => {
    const { publicKey, privateKey } = await generateKeyPair('Ed25519', { extractable: true });
    published = [{ ...(await exportJWK(publicKey)), kid: 'ed-1', alg: 'Ed25519' }];
    const verifier = new TokenVerifier({ issuer: 'https://id.test', audience: 'urn:test', jwks: `${base}/jwks` });
    const sign = (alg: string) =>
      new SignJWT({ sub: 'edna' })
        .setProtectedHeader({ alg, kid: 'ed-1' })
        .setIssuer('https://id.test')
        .setAudience('urn:test')
        .setExpirationTime('5m')
        .sign(privateKey);
    expect((await verifier.verify(`Bearer ${await sign('Ed25519')}`)).subject).toBe('edna');
    // Pinned all the same: the key verifies its own alg only.
    await expect(verifier.verify(`Bearer ${await sign('EdDSA')}`)).rejects.toThrow(/verifies Ed25519 only/);
  });
});
