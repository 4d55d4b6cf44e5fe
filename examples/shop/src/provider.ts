import { randomBytes } from 'node:crypto';
import { type IdentityProvider, startIdentityProvider } from '@wharf/identity-provider';
import { INTERNAL_SCOPE, SHOP_AUDIENCE } from '@wharf/shop-contracts';
import { SERVICE_NAMES } from '@wharf/shop-platform';

/** The storefront's public client id at the provider. */
export const STOREFRONT_CLIENT = 'storefront';

/** One client secret per service (client credentials); random unless given. */
export function serviceSecrets(given: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, given[name] ?? randomBytes(24).toString('base64url')]));
}

/**
 * The shop's OAuth 2.0 / OpenID provider (oidc-provider, from tools/identity-provider): a
 * confidential client per service, the storefront's public client (code + PKCE) for the page and
 * Swagger UI, and the `urn:shop` API. Its development sign-in accepts any user name and password;
 * user `admin` has the `admin` role (rebuilding the orders read model).
 */
export function startShopProvider(options: {
  readonly port: number;
  readonly secrets: Readonly<Record<string, string>>;
  /** The gateway origins the storefront is served from. */
  readonly origins: readonly string[];
  /** Access token lifetime in seconds; default 900. */
  readonly ttlSeconds?: number;
}): Promise<IdentityProvider> {
  return startIdentityProvider({
    port: options.port,
    services: Object.entries(options.secrets).map(([id, secret]) => ({ id, secret })),
    browsers: [
      {
        id: STOREFRONT_CLIENT,
        redirectUris: options.origins.flatMap((o) => [`${o}/callback`, `${o}/docs/oauth2-redirect.html`]),
      },
    ],
    resources: [{ audience: SHOP_AUDIENCE, scopes: [INTERNAL_SCOPE], ttlSeconds: options.ttlSeconds ?? 900 }],
    users: { admin: { roles: ['admin'] } },
  });
}
