import type { JWTPayload } from 'jose';

/** The verified caller of a request: who it is, what it may do, and the token that proved it. */
export interface Identity {
  /** The token's `sub`: the user, or, without a `sub`, the client id of a client-credentials token. Never empty. */
  readonly subject: string;
  /** Scopes granted (the `scope` claim split on spaces, or the `scp` list). */
  readonly scopes: readonly string[];
  /** Roles (the configured roles claim, `roles` by default). */
  readonly roles: readonly string[];
  /** The OAuth client the token was issued to (`client_id` or `azp`), when the token says. */
  readonly clientId: string | undefined;
  readonly issuer: string;
  /** When the token expires (epoch ms). */
  readonly expiresAt: number;
  /** Every claim of the verified token. */
  readonly claims: Readonly<JWTPayload>;
  /** The raw bearer token, for calling on as the same caller. */
  readonly token: string;
}

declare module '@wharf/core' {
  interface Context {
    /** The verified caller, set by the auth guard (@wharf/auth); undefined on public endpoints. */
    readonly auth?: Identity;
  }
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

/**
 * The identity a verified token's claims describe; undefined when they name nobody (no `sub` and
 * no client, or a `sub` that is empty or not a string): such callers would all be one anonymous
 * `''`, sharing whatever is keyed by subject.
 */
export function identityOf(claims: JWTPayload, token: string, rolesClaim: string): Identity | undefined {
  const clientId =
    typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  const subject = claims.sub === undefined ? clientId : claims.sub;
  if (typeof subject !== 'string' || subject === '') return undefined;
  return Object.freeze({
    subject,
    scopes: Object.freeze(stringList(claims.scope ?? claims.scp)),
    roles: Object.freeze(stringList(claims[rolesClaim])),
    clientId,
    issuer: claims.iss ?? '',
    expiresAt: (claims.exp ?? 0) * 1000,
    claims,
    token,
  });
}
