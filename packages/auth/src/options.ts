import type { Logger } from '@wharf/core';
import type { AuthRequirement } from './declaration.js';
import type { LocalKey, SharedSecret } from './key-import.js';
import type { JwksOptions } from './remote-keys.js';

/** How tokens are verified: which issuer, for which audience, with which keys. */
export interface VerifierOptions {
  /** The expected `iss` (exactly); required. */
  readonly issuer: string | readonly string[];
  /** The expected `aud`: the token must name one of these; required. */
  readonly audience: string | readonly string[];
  /** The authorization server's published keys (a URL, or the URL with cache settings). */
  readonly jwks?: string | JwksOptions;
  /** Public keys configured here, each with its algorithm. */
  readonly keys?: readonly LocalKey[];
  /** A shared secret: only when configured explicitly (HS256/384/512, at least 32/48/64 bytes). */
  readonly secret?: SharedSecret;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds; default 30. */
  readonly clockToleranceSec?: number;
  /** Longest accepted `Authorization` value, in bytes; default 8 192. */
  readonly maxTokenBytes?: number;
  /** Require this JWT `typ` header, e.g. `at+jwt` (RFC 9068); default: any. */
  readonly typ?: string;
  /** The claim holding roles; default `roles`. */
  readonly rolesClaim?: string;
  /** How many verified tokens to remember until they expire, skipping the signature check on a repeat; default 1 024, 0 for none. */
  readonly cacheSize?: number;
  /**
   * Events are handled after they were emitted, sometimes much later (retries, a backlog), so the
   * token an event carries is checked as of the event's emission time — but never older than
   * this; default 3 600 000 ms (1 h).
   */
  readonly eventTokenMaxAgeMs?: number;
}

/** What `authGuard` takes. */
export interface AuthGuardOptions extends VerifierOptions {
  /**
   * Deny by default: an endpoint that declares no `auth` is a start-up error listing every one,
   * so nothing is exposed by accident. Default true. With false, an undeclared endpoint needs a
   * valid token (as `'authenticated'`).
   */
  readonly denyByDefault?: boolean;
  /**
   * Requirements for endpoints whose declaration you cannot change, by full name
   * (`greeter.greet`, `audit.onSeen`); they win over the declaration.
   */
  readonly endpoints?: Readonly<Record<string, AuthRequirement>>;
  /** The realm in `WWW-Authenticate`; default `wharf`. */
  readonly realm?: string;
  /** Where verification failures are logged (at debug, with the reason); default the app's logger. */
  readonly logger?: Logger;
}

/** The safe defaults (see docs/security.md). */
export const AUTH_DEFAULTS = {
  clockToleranceSec: 30,
  maxTokenBytes: 8 * 1024,
  rolesClaim: 'roles',
  cacheSize: 1024,
  eventTokenMaxAgeMs: 3_600_000,
  realm: 'wharf',
} as const;
