import type { JWK } from 'jose';
import type { Configuration } from 'oidc-provider';
import type { SigningAlg } from './keys.js';

/** A service that calls others as itself, with the client-credentials grant. */
export interface ServiceClient {
  readonly id: string;
  readonly secret: string;
}

/** A browser application that signs users in with the authorization code flow and PKCE (a public client). */
export interface BrowserClient {
  readonly id: string;
  readonly redirectUris: readonly string[];
}

/** An API that tokens are issued for: its audience (the resource indicator), scopes and signing algorithm. */
export interface Resource {
  /** The `aud` of its tokens, e.g. `urn:wharf:shop`. */
  readonly audience: string;
  readonly scopes: readonly string[];
  /** Default RS256. */
  readonly alg?: SigningAlg;
  /** Access token lifetime in seconds; default 300. */
  readonly ttlSeconds?: number;
}

/** What `startIdentityProvider` takes. */
export interface IdentityProviderOptions {
  /** Default 0 (a free port); the provider listens on 127.0.0.1 only. */
  readonly port?: number;
  readonly services?: readonly ServiceClient[];
  readonly browsers?: readonly BrowserClient[];
  readonly resources: readonly Resource[];
  /** Users and their roles (a `roles` claim on their access tokens). Any other login is a user without roles. */
  readonly users?: Readonly<Record<string, { readonly roles?: readonly string[] }>>;
}

/** The oidc-provider configuration for `options` and the current keys. */
export function providerConfiguration(options: IdentityProviderOptions, keys: readonly JWK[]): Configuration {
  const resources = new Map(options.resources.map((r) => [r.audience, r]));
  const first = options.resources[0];
  return {
    clients: [
      ...(options.services ?? []).map((c) => ({
        client_id: c.id,
        client_secret: c.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      })),
      ...(options.browsers ?? []).map((c) => ({
        client_id: c.id,
        token_endpoint_auth_method: 'none' as const,
        grant_types: ['authorization_code'],
        response_types: ['code' as const],
        redirect_uris: [...c.redirectUris],
      })),
    ],
    jwks: { keys: keys as never },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => first?.audience ?? '',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const resource = resources.get(indicator);
          if (resource === undefined) throw new Error(`unknown resource ${indicator}`);
          return {
            audience: resource.audience,
            scope: resource.scopes.join(' '),
            accessTokenFormat: 'jwt',
            accessTokenTTL: resource.ttlSeconds ?? 300,
            jwt: { sign: { alg: resource.alg ?? 'RS256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      IdToken: 300,
    },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    extraTokenClaims: (_ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      const roles = accountId === undefined ? undefined : options.users?.[accountId]?.roles;
      return roles === undefined ? undefined : { roles: [...roles] };
    },
    // The browser client (Swagger UI) calls the token endpoint from the gateway's origin.
    clientBasedCORS: () => true,
    cookies: { keys: ['wharf-test-provider-cookie-key'] },
    // Consent is given once per grant; a second sign-in skips it.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId ?? '');
      return grantId === undefined ? undefined : ctx.oidc.provider.Grant.find(grantId);
    },
  };
}
