// The whole public surface of @wharf/identity-provider (a test and development tool, not shipped).
export type { BrowserClient, IdentityProviderOptions, Resource, ServiceClient } from './config.js';
export { newSigningKey, type SigningAlg } from './keys.js';
export { IdentityProvider, type JwksMode, startIdentityProvider } from './provider.js';
export type { UserLogin } from './user-login.js';
