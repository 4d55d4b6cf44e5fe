// Hand-minted tokens for the negative battery only: every other test gets its tokens from the provider.
import { createHmac, createPrivateKey, createPublicKey, sign as rsaSign } from 'node:crypto';
import type { IdentityProvider } from '@wharf/identity-provider';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTHeaderParameters, SignJWT } from 'jose';
import { SHOP } from './fixtures.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function realKey(idp: IdentityProvider): JWK {
  return idp.privateKeys.find((k) => k.alg === 'RS256') as JWK;
}

function claims(idp: IdentityProvider, over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: idp.issuer, aud: SHOP, sub: 'mallory', scope: 'vault:read', iat: now, exp: now + 300, ...over };
}

async function sign(key: JWK, payload: Record<string, unknown>, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  const { exp, ...rest } = payload;
  const jwt = new SignJWT(rest).setProtectedHeader({
    alg: 'RS256',
    kid: key.kid,
    typ: 'at+jwt',
    ...header,
  } as JWTHeaderParameters);
  if (exp !== undefined) jwt.setExpirationTime(exp as number);
  return jwt.sign(await importJWK(key, 'RS256'));
}

/** Signs with RS256 by hand: for headers jose refuses to sign (an unknown `crit`). */
function signRaw(key: JWK, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = rsaSign('sha256', Buffer.from(input), createPrivateKey({ key: key as never, format: 'jwk' }));
  return `${input}.${signature.toString('base64url')}`;
}

/** An attacker's own RSA key, with a kid of its choosing. */
async function attackerKey(kid: string): Promise<{ jwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { jwk: { ...(await exportJWK(privateKey)), kid }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
}

/** One attack: a name, and the `Authorization` header it sends. */
export interface Attack {
  readonly name: string;
  readonly authorization: string;
}

/** The attacks, in order (the tests are named before the tokens exist). */
export const ATTACKS = [
  'alg none',
  'HS256 signed with the RSA public key (algorithm confusion)',
  'signed with the wrong key',
  'expired',
  'nbf in the future',
  'wrong issuer',
  'wrong audience',
  'missing exp',
  'unknown kid',
  'jku pointing elsewhere',
  'x5u pointing elsewhere',
  'jwk header with the attacker’s key',
  'crit with an unknown extension',
  'a token over the size limit (8 KiB)',
  'a 1 MB token',
  'a token for another service',
  'malformed base64',
  'malformed JSON',
  'not a Bearer scheme',
  'ES256 header on the RSA key (a key-type mismatch)',
] as const;

/** Every attack of the battery, against the provider's real keys and issuer, in the order of ATTACKS. */
export async function attacks(idp: IdentityProvider, elsewhere: string, anotherServiceToken: string): Promise<Attack[]> {
  const real = realKey(idp);
  const now = Math.floor(Date.now() / 1000);
  const valid = claims(idp);
  const bearer = (t: string) => `Bearer ${t}`;
  const { jwk: evil, publicJwk: evilPublic } = await attackerKey(real.kid as string);
  const pem = createPublicKey({
    key: { ...real, d: undefined, p: undefined, q: undefined, dp: undefined, dq: undefined, qi: undefined } as never,
    format: 'jwk',
  })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const confusedHeader = b64({ alg: 'HS256', kid: real.kid, typ: 'JWT' });
  const confusedBody = b64(valid);
  const confused = `${confusedHeader}.${confusedBody}.${createHmac('sha256', pem).update(`${confusedHeader}.${confusedBody}`).digest('base64url')}`;
  const huge = `${b64({ alg: 'RS256', kid: real.kid })}.${b64({ ...valid, pad: 'x'.repeat(1024 * 1024) })}.${'A'.repeat(342)}`;
  return [
    { name: 'alg none', authorization: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid)}.`) },
    { name: 'HS256 signed with the RSA public key (algorithm confusion)', authorization: bearer(confused) },
    { name: 'signed with the wrong key', authorization: bearer(await sign(evil, valid)) },
    { name: 'expired', authorization: bearer(await sign(real, claims(idp, { exp: now - 120, iat: now - 600 }))) },
    { name: 'nbf in the future', authorization: bearer(await sign(real, claims(idp, { nbf: now + 120 }))) },
    { name: 'wrong issuer', authorization: bearer(await sign(real, claims(idp, { iss: 'http://127.0.0.1:1/evil' }))) },
    { name: 'wrong audience', authorization: bearer(await sign(real, claims(idp, { aud: 'urn:wharf:elsewhere' }))) },
    { name: 'missing exp', authorization: bearer(await sign(real, claims(idp, { exp: undefined }))) },
    { name: 'unknown kid', authorization: bearer(await sign({ ...evil, kid: 'no-such-kid' }, valid)) },
    { name: 'jku pointing elsewhere', authorization: bearer(await sign(evil, valid, { jku: `${elsewhere}/jwks` })) },
    { name: 'x5u pointing elsewhere', authorization: bearer(await sign(evil, valid, { x5u: `${elsewhere}/cert.pem` })) },
    { name: 'jwk header with the attacker’s key', authorization: bearer(await sign(evil, valid, { jwk: evilPublic })) },
    {
      name: 'crit with an unknown extension',
      authorization: bearer(signRaw(real, { alg: 'RS256', kid: real.kid, crit: ['x-wharf-evil'], 'x-wharf-evil': true }, valid)),
    },
    {
      name: 'a token over the size limit (8 KiB)',
      authorization: bearer(await sign(real, claims(idp, { pad: 'x'.repeat(5_800) }))),
    },
    { name: 'a 1 MB token', authorization: bearer(huge) },
    { name: 'a token for another service', authorization: bearer(anotherServiceToken) },
    { name: 'malformed base64', authorization: bearer('e30!.e30*.abc') },
    { name: 'malformed JSON', authorization: bearer(`${b64('{"alg":"RS256",')}.${b64('{not json')}.${'A'.repeat(43)}`) },
    { name: 'not a Bearer scheme', authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` },
    {
      name: 'ES256 header on the RSA key (a key-type mismatch)',
      authorization: bearer(
        await sign(real, valid).then((t) => `${b64({ alg: 'ES256', kid: real.kid })}.${t.split('.')[1]}.${t.split('.')[2]}`),
      ),
    },
  ];
}
