// The guard's start-up checks and key configuration, in one process (local keys, no provider).
import { createHmac } from 'node:crypto';
import { authGuard } from '@wharf/auth';
import { createApp, DeclarationError, defineContract, implement, On, Rpc, Service, WharfError } from '@wharf/core';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const io = { input: z.object({}), output: z.object({ subject: z.string() }) };
const ISSUER = 'https://id.test';
const AUD = 'urn:test';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

@Service({ name: 'mixed', version: 1 })
class Mixed {
  @Rpc({ ...io, auth: 'public' })
  async open() {
    return { subject: '' };
  }
  @Rpc({ ...io })
  async forgotten() {
    return { subject: '' };
  }
  @On('things.happened', { input: z.object({}) })
  async alsoForgotten() {}
}

function problems(make: () => unknown): readonly string[] {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(DeclarationError);
    return (error as DeclarationError).problems;
  }
  return [];
}

describe('deny by default', () => {
  const guard = () => authGuard({ issuer: ISSUER, audience: AUD, secret: { alg: 'HS256', secret: SECRET } });

  it('an endpoint that declares nothing is a start-up error, every one listed', () => {
    const found = problems(() =>
      createApp({ services: [new Mixed()], middleware: { server: [guard()] }, logger: { level: 'silent' } }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^Mixed\.forgotten: declares no auth and the guard denies by default/),
      expect.stringMatching(/^Mixed\.alsoForgotten: declares no auth/),
    ]);
  });

  it('declarations for endpoints you cannot change go in `endpoints`; a misspelt one is reported', () => {
    const ok = authGuard({
      issuer: ISSUER,
      audience: AUD,
      secret: { alg: 'HS256', secret: SECRET },
      endpoints: { 'mixed.forgotten': 'authenticated', 'mixed.alsoForgotten': { scopes: ['things:read'] } },
    });
    expect(() => createApp({ services: [new Mixed()], middleware: { server: [ok] }, logger: { level: 'silent' } })).not.toThrow();
    const typo = authGuard({
      issuer: ISSUER,
      audience: AUD,
      secret: { alg: 'HS256', secret: SECRET },
      denyByDefault: false,
      endpoints: { 'mixed.forgoten': 'public', 'mixed.open': 'pubic' as never },
    });
    expect(
      problems(() => createApp({ services: [new Mixed()], middleware: { server: [typo] }, logger: { level: 'silent' } })),
    ).toEqual([
      'authGuard: endpoints["mixed.forgoten"] names no endpoint of this app',
      `authGuard: endpoints["mixed.open"]: auth must be 'public', 'authenticated' or { scopes, roles }, got "pubic"`,
    ]);
  });

  it('with denyByDefault: false an undeclared endpoint needs a valid token', async () => {
    const relaxed = authGuard({ issuer: ISSUER, audience: AUD, secret: { alg: 'HS256', secret: SECRET }, denyByDefault: false });
    const app = createApp({
      services: [new Mixed()],
      middleware: { server: [relaxed] },
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    const ref = {
      ...io,
      service: 'mixed',
      version: '1',
      major: 1,
      name: 'forgotten',
      fullName: 'mixed.forgotten',
      stream: 'unary' as const,
    };
    const error = await app.call(ref, {}).catch((e: unknown) => e);
    expect(WharfError.is(error) && error.code).toBe('UNAUTHENTICATED');
    await app.stop();
  });
});

describe('keys', () => {
  it('a shared secret must be explicit and long enough; issuer, audience and keys are required', () => {
    expect(() => authGuard({ issuer: ISSUER, audience: AUD, secret: { alg: 'HS256', secret: 'short' } })).toThrow(
      /at least 32 bytes/,
    );
    expect(() => authGuard({ issuer: ISSUER, audience: AUD })).toThrow(/no keys/);
    expect(() => authGuard({ issuer: '', audience: AUD, secret: { alg: 'HS256', secret: SECRET } } as never)).toThrow(/issuer/);
    expect(() => authGuard({ issuer: ISSUER, audience: [], secret: { alg: 'HS256', secret: SECRET } })).toThrow(/audience/);
  });

  it('a shared secret is at least as long as its hash (RFC 7518 §3.2): 48 bytes for HS384, 64 for HS512', () => {
    const guard = (alg: 'HS384' | 'HS512', bytes: number) =>
      authGuard({ issuer: ISSUER, audience: AUD, secret: { alg, secret: 'x'.repeat(bytes) } });
    expect(() => guard('HS384', 40)).toThrow(/HS384 needs at least 48 bytes/);
    expect(() => guard('HS512', 40)).toThrow(/HS512 needs at least 64 bytes/);
    expect(() => guard('HS384', 48)).not.toThrow();
    expect(() => guard('HS512', 64)).not.toThrow();
  });

  it('a numeric setting that is not a finite number ≥ 0 is a start-up error, not every token refused (or no limit at all)', () => {
    const guard = (extra: Record<string, unknown>) =>
      authGuard({ issuer: ISSUER, audience: AUD, secret: { alg: 'HS256', secret: SECRET }, ...extra });
    for (const name of ['clockToleranceSec', 'maxTokenBytes', 'cacheSize', 'eventTokenMaxAgeMs']) {
      for (const value of [-5, Number.NaN, Number.POSITIVE_INFINITY, '30']) {
        expect(() => guard({ [name]: value }), `${name}: ${String(value)}`).toThrow(
          new RegExp(`${name}. must be a finite number ≥ 0`),
        );
      }
      expect(() => guard({ [name]: 0 })).not.toThrow();
    }
    // NaN as the JWKS cooldown would be no cooldown: a fetch for every unknown kid.
    for (const name of ['cooldownMs', 'cacheMaxAgeMs', 'timeoutMs', 'maxBytes']) {
      expect(() => guard({ jwks: { url: 'http://127.0.0.1:9/jwks', [name]: Number.NaN } })).toThrow(
        new RegExp(`jwks.${name}. must be a finite number ≥ 0`),
      );
    }
  });

  it('algorithms are pinned per key: with both an RSA key and a shared secret configured, HS256 signed with the RSA public key under its kid fails', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const guard = authGuard({
      issuer: ISSUER,
      audience: AUD,
      keys: [{ kid: 'rsa-1', alg: 'RS256', key: pem }],
      secret: { alg: 'HS256', secret: SECRET, kid: 'hmac-1' },
    });
    const claims = { sub: 'u', iss: ISSUER, aud: AUD, exp: Math.floor(Date.now() / 1000) + 60 };
    const good = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(privateKey);
    expect((await guard.authenticate(`Bearer ${good}`)).subject).toBe('u');
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'hmac-1' })
      .sign(new TextEncoder().encode(SECRET));
    expect((await guard.authenticate(`Bearer ${hmac}`)).subject).toBe('u');
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64(claims)}`;
    const confused = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    await expect(guard.authenticate(`Bearer ${confused}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A JWK works as a local key too.
    const jwkGuard = authGuard({
      issuer: ISSUER,
      audience: AUD,
      keys: [{ kid: 'rsa-1', alg: 'RS256', key: await exportJWK(publicKey) }],
    });
    expect((await jwkGuard.authenticate(`Bearer ${good}`)).subject).toBe('u');
  });

  it('an event’s token is checked as of the event’s emission, never older than eventTokenMaxAgeMs', async () => {
    const events = defineContract({ name: 'ev', version: 1, methods: {}, events: { done: { payload: z.object({}) } } });
    const seen: string[] = [];
    const service = implement(
      defineContract({ name: 'sub', version: 1, methods: {} }),
      {},
      {
        on: {
          onDone: {
            pattern: events.events.done.name,
            input: z.object({}),
            auth: 'authenticated',
            handler: (_p, ctx) => void seen.push(ctx.auth?.subject ?? ''),
          },
        },
      },
    );
    const guard = authGuard({
      issuer: ISSUER,
      audience: AUD,
      secret: { alg: 'HS256', secret: SECRET },
      clockToleranceSec: 0,
      eventTokenMaxAgeMs: 60_000,
    });
    const app = createApp({
      services: [service],
      middleware: { server: [guard] },
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ sub: 'past' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUD)
      .setExpirationTime(now - 5)
      .sign(new TextEncoder().encode(SECRET));
    const dispatch = (timestamp: number) =>
      app.dispatch(
        app.services[0]?.events[0] as never,
        {},
        {
          transport: 'test',
          metadata: { authorization: `Bearer ${expired}` },
          event: { id: String(timestamp), name: 'ev.done', attempt: 1, timestamp },
        },
      );
    await dispatch(Date.now() - 10_000); // emitted while the token was valid
    expect(seen).toEqual(['past']);
    await expect(dispatch(Date.now())).rejects.toMatchObject({ code: 'UNAUTHENTICATED' }); // emitted after it expired
    await app.stop();
  });
});
