// The whole public surface of @wharf/auth.
export { type ClientCredentials, type ClientCredentialsOptions, clientCredentials } from './client-credentials.js';
export type { AuthRequirement } from './declaration.js';
export { type AuthGuard, authGuard } from './guard.js';
export type { Identity } from './identity.js';
export type { LocalKey, SharedSecret } from './key-import.js';
export { AUTH_DEFAULTS, type AuthGuardOptions, type VerifierOptions } from './options.js';
export { JWKS_DEFAULTS, type JwksOptions, RemoteKeys } from './remote-keys.js';
export { TokenRejected, TokenVerifier } from './verifier.js';
