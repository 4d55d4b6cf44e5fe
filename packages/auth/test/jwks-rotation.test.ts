// Must show 3: the provider rotates its key — new tokens verify within the cooldown, old ones
// until they expire; the JWKS endpoint down (or hanging) → cached keys keep working; a flood of
// unknown kids costs at most one fetch per cooldown (counted at the provider).
import { type App, createApp, defineContract, implement, WharfError } from '@wharf/core';
import { type IdentityProvider, startIdentityProvider } from '@wharf/identity-provider';
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { guardFor } from './fixtures.js';

const SHORT = 'urn:wharf:shop'; // tokens live 3 s here, so "until they expire" fits in a test
const COOLDOWN_MS = 1_000;
const probe = defineContract({
  name: 'probe',
  version: 1,
  methods: { who: { input: z.object({}), output: z.object({ subject: z.string() }), auth: 'authenticated' } },
});

let idp: IdentityProvider;
let app: App;
let guard: ReturnType<typeof guardFor>;

beforeAll(async () => {
  idp = await startIdentityProvider({
    services: [{ id: 'orders', secret: 'orders-secret-0123456789abcdef0123' }],
    resources: [{ audience: SHORT, scopes: ['orders:read'], ttlSeconds: 3 }],
  });
  guard = guardFor(idp, {
    jwks: { url: idp.jwksUri, cooldownMs: COOLDOWN_MS, cacheMaxAgeMs: 300, timeoutMs: 500 },
    clockToleranceSec: 0,
    cacheSize: 0, // every call verifies the signature, so the keys are what is tested
  });
  app = createApp({
    services: [implement(probe, { who: (_input, ctx) => ({ subject: ctx.auth?.subject ?? '' }) })],
    middleware: { server: [guard] },
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await idp?.close();
});

const token = () => idp.serviceToken('orders', 'orders-secret-0123456789abcdef0123');
const call = (t: string) =>
  app.call(probe.methods.who, {}, { metadata: { authorization: `Bearer ${t}` } }).then(
    (out) => out.subject,
    (error: unknown) => (WharfError.is(error) ? error.code : String(error)),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JWKS rotation and outages', () => {
  it('rotation: new tokens verify within the cooldown, old ones until they expire', async () => {
    const old = await token();
    expect(await call(old)).toBe('orders');
    const [rsKid] = await idp.rotateKeys();
    const fresh = await token();
    expect(decodeProtectedHeader(fresh).kid).toBe(rsKid);
    expect(decodeProtectedHeader(old).kid).not.toBe(rsKid);

    const rotated = Date.now();
    let result = await call(fresh);
    while (result !== 'orders' && Date.now() - rotated < COOLDOWN_MS + 1_000) {
      await sleep(50);
      result = await call(fresh);
    }
    expect(result).toBe('orders');
    expect(Date.now() - rotated).toBeLessThan(COOLDOWN_MS + 500);

    expect(await call(old)).toBe('orders'); // the old key is still published
    const expiresAt =
      ((JSON.parse(Buffer.from(old.split('.')[1] as string, 'base64url').toString()) as { exp: number }).exp + 1) * 1000;
    await sleep(Math.max(0, expiresAt - Date.now()));
    expect(await call(old)).toBe('UNAUTHENTICATED');
  });

  it('the JWKS endpoint down: known keys keep verifying, a flood of unknown kids costs at most one fetch per cooldown', async () => {
    const good = await token();
    expect(await call(good)).toBe('orders');
    await sleep(COOLDOWN_MS); // let the cooldown of the rotation test pass
    idp.jwksMode = 'down';
    const before = idp.jwksFetches;
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new SignJWT({ sub: 'mallory' })
          .setProtectedHeader({ alg: 'RS256', kid: `unknown-${i}` })
          .setIssuer(idp.issuer)
          .setAudience(SHORT)
          .setExpirationTime('1m')
          .sign(privateKey),
      ),
    );
    const started = Date.now();
    let rounds = 0;
    // 2.5 s of 50 concurrent unknown kids per round, with valid calls in between; the keys are "old" (cacheMaxAge 300 ms) the whole time.
    while (Date.now() - started < 2_500) {
      const answers = await Promise.all(forged.map(call));
      expect(new Set(answers)).toEqual(new Set(['UNAUTHENTICATED']));
      expect(await call(await token())).toBe('orders'); // a fresh token (they live 3 s), its kid known
      rounds++;
      await sleep(20);
    }
    const fetches = idp.jwksFetches - before;
    expect(rounds).toBeGreaterThan(10);
    // One fetch per cooldown at most: 2.5 s / 1 s → 3 (the first may start at once).
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(Math.ceil(2_500 / COOLDOWN_MS) + 1);
    console.log(`JWKS down for 2.5 s: ${rounds * 50} unknown-kid tokens, ${rounds} valid calls, ${fetches} JWKS fetches`);
  });

  it('the JWKS endpoint hanging: a fetch gives up at its timeout, and known keys never wait for it', async () => {
    await sleep(COOLDOWN_MS);
    // Made first: an RSA key pair can take longer than the 500 ms fetch timeout on a busy machine,
    // and the unknown kid below must arrive while the background fetch is still waiting.
    const { privateKey } = await generateKeyPair('RS256');
    idp.jwksMode = 'hang';
    const good = await token();
    const before = idp.jwksFetches;
    const started = Date.now();
    // Its kid is known: answered from the cache, while the keys (older than cacheMaxAge) refresh in the background.
    expect(await call(good)).toBe('orders');
    expect(Date.now() - started).toBeLessThan(200);
    const unknown = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'unknown-hang' })
      .setIssuer(idp.issuer)
      .setAudience(SHORT)
      .setExpirationTime('1m')
      .sign(privateKey);
    const t0 = Date.now();
    expect(await call(unknown)).toBe('UNAUTHENTICATED');
    expect(Date.now() - t0).toBeLessThan(500 + 300); // the fetch timeout is 500 ms
    expect(idp.jwksFetches - before).toBe(1); // the unknown kid joined the background fetch: one in all
    idp.jwksMode = 'up';
  });
});
