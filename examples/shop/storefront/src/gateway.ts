import type { Logger, LoggerOptions, Transport } from '@wharf/core';
import { createGateway, type Gateway, type RateLimitOptions, redisStore } from '@wharf/gateway';
import type { WharfRegistry } from '@wharf/registry';
import { PUBLIC_CONTRACTS, SHOP_AUDIENCE } from '@wharf/shop-contracts';
import { storefrontRoutes } from './pages.js';

/** Where the shop's edge listens and what it reaches. */
export interface ShopGatewayOptions {
  readonly registry: WharfRegistry;
  /** How it reaches the services: a `memoryTransport` on the shop's network, or `grpcTransport()`. */
  readonly transports: readonly Transport[];
  readonly issuer: string;
  /** The storefront's public client at the provider (authorization code + PKCE). */
  readonly clientId: string;
  readonly port: number;
  readonly host?: string;
  /** Shared buckets across gateway instances; in memory when absent. */
  readonly redisUrl?: string;
  /** Per signed-in user and per client IP; defaults suit one shopper, not a load test. */
  readonly rateLimit?: { readonly perIdentity?: RateLimitOptions['perIdentity']; readonly perIp?: RateLimitOptions['perIp'] };
  readonly name?: string;
  readonly logger?: Logger | LoggerOptions;
}

/**
 * The shop's edge: the public contracts (users, catalog, orders, notifications — never the
 * internal commands) behind one HTTP origin, tokens checked at the edge, rate limits per user and
 * per IP, the merged OpenAPI at `/openapi.json`, Swagger UI at `/docs`, and the storefront at `/`.
 */
export function shopGateway(options: ShopGatewayOptions): Gateway {
  return createGateway({
    name: options.name ?? 'gateway',
    services: [...PUBLIC_CONTRACTS],
    registry: options.registry,
    transports: options.transports,
    http: {
      port: options.port,
      host: options.host ?? '127.0.0.1',
      routes: storefrontRoutes({ issuer: options.issuer, clientId: options.clientId, audience: SHOP_AUDIENCE }),
    },
    auth: { issuer: options.issuer, audience: SHOP_AUDIENCE, jwks: `${options.issuer}/jwks` },
    rateLimit: {
      perIdentity: options.rateLimit?.perIdentity ?? { rate: 20, burst: 60 },
      perIp: options.rateLimit?.perIp ?? { rate: 200, burst: 400 },
      ...(options.redisUrl === undefined ? {} : { store: redisStore({ redis: options.redisUrl }) }),
    },
    docs: {
      title: 'Wharf shop',
      oauth: {
        authorizationUrl: `${options.issuer}/auth`,
        tokenUrl: `${options.issuer}/token`,
        clientId: options.clientId,
        scopes: { openid: 'Sign in' },
        params: { resource: SHOP_AUDIENCE },
      },
    },
    logger: options.logger,
  });
}
