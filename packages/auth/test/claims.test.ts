// Claims the signature cannot vouch for on its own: when the token says it was issued, and whom it
// names. Local keys, one process: no provider needed.
import { authGuard } from '@wharf/auth';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';

const ISSUER = 'https://id.test';
const AUD = 'urn:test';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const guard = authGuard({ issuer: ISSUER, audience: AUD, secret: { alg: 'HS256', secret: SECRET }, clockToleranceSec: 30 });

function token(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: AUD, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
}

const subjectOf = async (claims: Record<string, unknown>) =>
  guard.authenticate(`Bearer ${await token(claims)}`).then(
    (identity) => identity.subject,
    (error: unknown) => (error as { code?: string }).code,
  );

describe('iat', () => {
  it('a token issued in the future (beyond the clock tolerance) is refused; within it, accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await subjectOf({ sub: 'future', iat: now + 86_400, exp: now + 86_700 })).toBe('UNAUTHENTICATED');
    expect(await subjectOf({ sub: 'future', iat: now + 120 })).toBe('UNAUTHENTICATED');
    expect(await subjectOf({ sub: 'skewed', iat: now + 10 })).toBe('skewed');
    expect(await subjectOf({ sub: 'past', iat: now - 60 })).toBe('past');
  });
});

describe('subject', () => {
  it('a token naming nobody (no `sub`, no client) is refused instead of becoming the caller ""', async () => {
    expect(await subjectOf({})).toBe('UNAUTHENTICATED');
    expect(await subjectOf({ sub: '' })).toBe('UNAUTHENTICATED');
  });

  it('a `sub` that is not a string is refused, not replaced by the client id', async () => {
    expect(await subjectOf({ sub: 42, client_id: 'orders' })).toBe('UNAUTHENTICATED');
    expect(await subjectOf({ sub: ['alice'] })).toBe('UNAUTHENTICATED');
  });

  it('without `sub`, a client-credentials token is its client; with one, the user', async () => {
    expect(await subjectOf({ client_id: 'orders' })).toBe('orders');
    expect(await subjectOf({ azp: 'payments' })).toBe('payments');
    expect(await subjectOf({ sub: 'alice', client_id: 'web' })).toBe('alice');
  });
});
