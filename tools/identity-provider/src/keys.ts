import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** The signing algorithms the provider holds a key for. */
export type SigningAlg = 'RS256' | 'ES256';

/** A new private signing key as a JWK, with a fresh `kid`, its `alg` and `use: sig`. */
export async function newSigningKey(alg: SigningAlg): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`, alg, use: 'sig' };
}

/** One RS256 and one ES256 key: what the provider starts with and what each rotation adds. */
export async function newKeyGeneration(): Promise<JWK[]> {
  return [await newSigningKey('RS256'), await newSigningKey('ES256')];
}
