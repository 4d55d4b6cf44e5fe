import type { Logger } from '@wharf/core';
import { type JWTHeaderParameters, type JWTVerifyOptions, jwtVerify } from 'jose';
import { amount } from './amount.js';
import { type Identity, identityOf } from './identity.js';
import { ASYMMETRIC_ALGS, importLocalKey, type PinnedKey, secretKey } from './key-import.js';
import { AUTH_DEFAULTS, type VerifierOptions } from './options.js';
import { RemoteKeys } from './remote-keys.js';
import { VerifiedTokens } from './verified-tokens.js';

/** Why a token was refused: logged on the server, never sent to the caller. */
export class TokenRejected extends Error {
  override get name(): string {
    return 'TokenRejected';
  }
}

// RFC 6750 §2.1: `Bearer` and a token68; a JWT is three base64url parts joined by dots.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function list(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  return values.filter((v) => typeof v === 'string' && v !== '');
}

/**
 * Verifies bearer tokens with jose: size first, then the `Bearer` syntax, then the signature with
 * a key chosen by `kid` and pinned to one algorithm, then `exp` (required), `nbf`, `iat` (not in
 * the future), `iss`, `aud` (required) with a clock tolerance. `jku`, `x5u`, `jwk` and `x5c`
 * headers are never used to find a key; an unknown `crit` extension fails.
 */
export class TokenVerifier {
  readonly remote: RemoteKeys | undefined;
  readonly #local: Promise<PinnedKey[]>;
  readonly #algorithms: string[];
  readonly #verify: JWTVerifyOptions;
  readonly #maxBytes: number;
  readonly #rolesClaim: string;
  readonly #eventMaxAgeMs: number;
  readonly #cache: VerifiedTokens;
  readonly #toleranceMs: number;

  constructor(options: VerifierOptions, logger?: Logger) {
    if (list(options.issuer).length === 0) {
      throw new TypeError('auth: `issuer` is required (RFC 8725 §3.8); set the authorization server’s issuer URL');
    }
    if (list(options.audience).length === 0) {
      throw new TypeError('auth: `audience` is required (RFC 8725 §3.9); set the audience your tokens name this API by');
    }
    if (options.jwks === undefined && (options.keys ?? []).length === 0 && options.secret === undefined) {
      throw new TypeError('auth: no keys; set `jwks` (the provider’s JWKS URL), `keys` (public keys) or, explicitly, `secret`');
    }
    const jwks = options.jwks;
    this.remote = jwks === undefined ? undefined : new RemoteKeys(typeof jwks === 'string' ? { url: jwks } : jwks, logger);
    const secret = options.secret === undefined ? [] : [secretKey(options.secret)];
    this.#local = Promise.all((options.keys ?? []).map(importLocalKey)).then((keys) => [...keys, ...secret]);
    this.#local.catch(() => {}); // reported on first use, and by `ready()`
    const algs = new Set<string>([...(options.keys ?? []).map((k) => k.alg), ...secret.map((k) => k.alg)]);
    // Every algorithm a published key may be pinned to (Ed25519 included): each key still verifies its own only.
    if (jwks !== undefined) for (const alg of ASYMMETRIC_ALGS) algs.add(alg);
    this.#algorithms = [...algs];
    const toleranceSec = amount('clockToleranceSec', options.clockToleranceSec, AUTH_DEFAULTS.clockToleranceSec);
    this.#toleranceMs = toleranceSec * 1000;
    this.#verify = {
      issuer: list(options.issuer),
      audience: list(options.audience),
      algorithms: this.#algorithms,
      clockTolerance: toleranceSec,
      requiredClaims: ['exp'],
      ...(options.typ === undefined ? {} : { typ: options.typ }),
    };
    this.#maxBytes = amount('maxTokenBytes', options.maxTokenBytes, AUTH_DEFAULTS.maxTokenBytes);
    this.#rolesClaim = options.rolesClaim ?? AUTH_DEFAULTS.rolesClaim;
    this.#eventMaxAgeMs = amount('eventTokenMaxAgeMs', options.eventTokenMaxAgeMs, AUTH_DEFAULTS.eventTokenMaxAgeMs);
    this.#cache = new VerifiedTokens(amount('cacheSize', options.cacheSize, AUTH_DEFAULTS.cacheSize));
  }

  /** Resolves once local keys are imported; rejects naming a bad one. */
  async ready(): Promise<void> {
    await this.#local;
  }

  /** The raw token of an `Authorization` value; throws TokenRejected when it is not a sane bearer token. */
  tokenOf(authorization: string): string {
    if (authorization.length > this.#maxBytes) throw new TokenRejected(`the token is over ${this.#maxBytes} bytes`);
    const match = BEARER.exec(authorization);
    if (match === null) throw new TokenRejected('not a Bearer token');
    return match[1] as string;
  }

  /**
   * Verifies an `Authorization` value. `emittedAt` (epoch ms) checks an event's token as of when
   * the event was emitted, clamped to `eventTokenMaxAgeMs` ago.
   */
  async verify(authorization: string, emittedAt?: number): Promise<Identity> {
    const token = this.tokenOf(authorization);
    if (emittedAt === undefined) {
      const hit = this.#cache.get(token, Date.now() - this.#toleranceMs);
      if (hit !== undefined) return hit;
    }
    const options =
      emittedAt === undefined
        ? this.#verify
        : { ...this.#verify, currentDate: new Date(Math.min(Date.now(), Math.max(emittedAt, Date.now() - this.#eventMaxAgeMs))) };
    const { payload } = await jwtVerify(token, this.#key, options);
    // jose checks `iat` only against a maximum age; a token issued in the future is refused here.
    const now = options.currentDate?.getTime() ?? Date.now();
    if (typeof payload.iat === 'number' && payload.iat * 1000 > now + this.#toleranceMs) {
      throw new TokenRejected('iat is in the future');
    }
    const identity = identityOf(payload, token, this.#rolesClaim);
    if (identity === undefined) throw new TokenRejected('the token names no subject (`sub`, or `client_id` without one)');
    if (emittedAt === undefined) this.#cache.set(token, identity);
    return identity;
  }

  readonly #key = async (header: JWTHeaderParameters): Promise<PinnedKey['key']> => {
    const { alg, kid } = header;
    if (typeof alg !== 'string' || !this.#algorithms.includes(alg)) throw new TokenRejected(`algorithm ${alg} is not accepted`);
    if (kid !== undefined && typeof kid !== 'string') throw new TokenRejected('kid is not a string');
    const local = await this.#local;
    let key =
      kid === undefined ? only(local.filter((k) => k.kid === undefined && k.alg === alg)) : local.find((k) => k.kid === kid);
    if (key === undefined && this.remote !== undefined) key = await this.remote.find(kid);
    if (key === undefined)
      throw new TokenRejected(kid === undefined ? 'no kid, and no single key for its algorithm' : `unknown kid ${kid}`);
    // The key's own algorithm, never the token's choice: stops HS256-with-the-RSA-public-key and friends.
    if (key.alg !== alg) throw new TokenRejected(`key ${kid ?? '(unnamed)'} verifies ${key.alg} only, the token says ${alg}`);
    return key.key;
  };
}

function only<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
