import { WharfError } from '@wharf/core';

// One message for every verification failure: the reason is logged on the server, never sent,
// since telling an attacker which check failed helps them forge the next token.
const INVALID = 'The bearer token is not valid; get a new one from the authorization server';

/** The RFC 6750 challenge; `challenge` in the error's details becomes `WWW-Authenticate` over HTTP. */
function challenge(realm: string, error?: string, scope?: string): string {
  let text = `Bearer realm="${realm}"`;
  if (error !== undefined) text += `, error="${error}"`;
  if (scope !== undefined) text += `, scope="${scope}"`;
  return text;
}

/** No token was sent (RFC 6750 §3.1: a challenge without an error code). */
export function missingToken(realm: string): WharfError {
  return new WharfError('UNAUTHENTICATED', 'A bearer token is required: send `Authorization: Bearer <token>`', {
    challenge: challenge(realm),
  });
}

/** The token (or the header carrying it) failed a check. */
export function invalidToken(realm: string): WharfError {
  return new WharfError('UNAUTHENTICATED', INVALID, { challenge: challenge(realm, 'invalid_token') });
}

/** A valid token without what the endpoint requires. */
export function insufficientScope(realm: string, scopes: readonly string[], roles: readonly string[]): WharfError {
  const needs = [
    scopes.length > 0 ? `the scopes ${scopes.join(', ')}` : undefined,
    roles.length > 0 ? `one of the roles ${roles.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  return new WharfError('PERMISSION_DENIED', `This call needs ${needs}`, {
    challenge: challenge(realm, 'insufficient_scope', scopes.length > 0 ? scopes.join(' ') : undefined),
  });
}
