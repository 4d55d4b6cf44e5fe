import type { KeyObject, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

import { importJWK, importSPKI, type JWK } from 'jose';

/** A verification key with the one algorithm it may verify (RFC 8725 §3.1: algorithms pinned per key). */
export interface PinnedKey {
  readonly kid: string | undefined;
  readonly alg: string;
  readonly key: CryptoKey | KeyObject | Uint8Array;
}

/** Asymmetric algorithms the guard accepts. HS* only with a shared secret configured explicitly. */
export const ASYMMETRIC_ALGS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** HMAC algorithms, for a shared secret, each with the shortest secret it takes (its hash's size, RFC 7518 §3.2). */
const SECRET_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

const EC_ALGS: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/**
 * The algorithm a published JWK is pinned to: its own `alg`, else the one its type implies (an
 * RSA key without `alg` is RS256 only — never PS256, never HS256). Undefined for a key that must
 * not verify anything: symmetric (`oct`) keys in a published set, encryption keys, unknown types.
 */
export function pinnedAlgOf(jwk: JWK): string | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return undefined;
  const implied =
    jwk.kty === 'RSA'
      ? 'RS256'
      : jwk.kty === 'EC'
        ? EC_ALGS[jwk.crv ?? '']
        : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
          ? 'EdDSA'
          : undefined;
  if (implied === undefined) return undefined;
  const alg = jwk.alg ?? implied;
  return ASYMMETRIC_ALGS.has(alg) ? alg : undefined;
}

/** Imports one published JWK as a pinned key; undefined for keys that must not verify. */
export async function importPublishedKey(jwk: JWK): Promise<PinnedKey | undefined> {
  const alg = pinnedAlgOf(jwk);
  if (alg === undefined) return undefined;
  // Only the public members: a published private key must never become usable for anything else.
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  const key = await importJWK(pub, alg);
  return { kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg, key: key as CryptoKey };
}

/** A public key configured locally: PEM (SPKI), a JWK, or a KeyObject/CryptoKey; `alg` is required. */
export interface LocalKey {
  readonly alg: string;
  readonly key: string | JWK | KeyObject | CryptoKey;
  /** Matches the token's `kid`; without one the key serves tokens without a `kid`. */
  readonly kid?: string;
}

/** A shared secret (HS256/384/512): used only when configured explicitly, at least as long as its hash (32, 48 or 64 bytes). */
export interface SharedSecret {
  readonly alg: 'HS256' | 'HS384' | 'HS512';
  readonly secret: string | Uint8Array;
  readonly kid?: string;
}

/** Imports a locally configured key; throws a TypeError naming what is wrong. */
export async function importLocalKey(local: LocalKey): Promise<PinnedKey> {
  if (!ASYMMETRIC_ALGS.has(local.alg)) {
    throw new TypeError(
      `auth: local key alg ${JSON.stringify(local.alg)} is not an asymmetric JWS algorithm; use RS256, ES256, EdDSA, … (a shared secret goes in \`secret\`)`,
    );
  }
  const { key } = local;
  const imported =
    typeof key === 'string'
      ? await importSPKI(key, local.alg)
      : typeof (key as JWK).kty === 'string'
        ? await importJWK(key as JWK, local.alg)
        : (key as KeyObject | CryptoKey);
  return { kid: local.kid, alg: local.alg, key: imported as CryptoKey };
}

/** The shared secret as a pinned key; throws when it is too short to be safe. */
export function secretKey(shared: SharedSecret): PinnedKey {
  const min = Object.hasOwn(SECRET_BYTES, shared.alg) ? SECRET_BYTES[shared.alg] : undefined;
  if (min === undefined) throw new TypeError(`auth: secret alg must be HS256, HS384 or HS512`);
  const bytes = typeof shared.secret === 'string' ? new TextEncoder().encode(shared.secret) : shared.secret;
  if (bytes.byteLength < min) {
    throw new TypeError(
      `auth: ${shared.alg} needs at least ${min} bytes of shared secret (RFC 7518 §3.2: as long as its hash); got ${bytes.byteLength}`,
    );
  }
  return { kid: shared.kid, alg: shared.alg, key: bytes };
}
