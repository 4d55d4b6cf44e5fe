import type { AuthGuard, AuthGuardOptions } from '@wharf/auth';
import type { ClientMiddleware, Contract, Logger, LoggerOptions, Registry, Transport } from '@wharf/core';
import type { HttpServerOptions } from '@wharf/transport-http';
import type { CorsOptions } from './cors.js';
import type { EdgeLimits } from './edge.js';
import type { RateLimitOptions } from './rate-limit/limiter.js';
import type { ResilienceOptions } from './resilience.js';

/** Swagger UI's sign-in at the gateway, and the OAuth 2.0 security scheme of the OpenAPI document. */
export interface GatewayOAuth {
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** The public client registered for Swagger UI, with `<gateway>/docs/oauth2-redirect.html` as redirect URI. */
  readonly clientId: string;
  /** Scopes offered at sign-in, with descriptions. */
  readonly scopes?: Readonly<Record<string, string>>;
  /** Extra authorization request parameters, e.g. `{ resource: 'urn:shop' }` (RFC 8707). */
  readonly params?: Readonly<Record<string, string>>;
}

/** What `createGateway` takes. */
export interface GatewayOptions extends ResilienceOptions {
  /** Names the gateway in logs; default `gateway`. */
  readonly name?: string;
  /** The contracts of the services behind the gateway: their routes, schemas and auth declarations. */
  readonly services: readonly Contract[];
  /** Where the services' instances are found. The gateway only reads it. */
  readonly registry: Registry;
  /**
   * The gateway's own HTTP server: port (default 8080), host, body limit, timeouts, prefix — the
   * HTTP transport's settings and hardening. Its docs and `onRequest` belong to the gateway.
   */
  readonly http?: Omit<HttpServerOptions, 'docs' | 'onRequest' | 'openapi'>;
  /**
   * More transports to reach services, in order of preference after HTTP, e.g. `grpcTransport()`
   * (give it no port: the gateway does not serve gRPC) or a `memoryTransport` on a shared network.
   */
  readonly transports?: readonly Transport[];
  /** Verify tokens at the edge with the same guard as the services (an `authGuard(...)` or its options). */
  readonly auth?: AuthGuard | AuthGuardOptions;
  readonly rateLimit?: RateLimitOptions;
  /** Browser origins allowed to call the gateway; none by default. */
  readonly cors?: CorsOptions;
  readonly limits?: EdgeLimits;
  /** Swagger UI at `/docs` over the merged OpenAPI document, with OAuth sign-in; `false` to turn it off. */
  readonly docs?: false | { readonly title?: string; readonly oauth?: GatewayOAuth };
  /** Client middleware before the gateway's own stack (tracing, metrics). */
  readonly client?: readonly ClientMiddleware[];
  readonly logger?: Logger | LoggerOptions;
  /** Graceful stop: longest wait for calls in flight; default 10 000 ms. */
  readonly shutdownMs?: number;
}
