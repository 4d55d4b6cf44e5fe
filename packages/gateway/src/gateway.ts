import { type AuthGuard, authGuard } from '@wharf/auth';
import { type App, createApp } from '@wharf/core';
import { DEFAULTS, type HttpServerOptions, httpTransport } from '@wharf/transport-http';
import { edge } from './edge.js';
import { forwardingService } from './forwarding.js';
import type { GatewayOptions } from './options.js';
import { RateLimiter } from './rate-limit/limiter.js';
import { readOnly } from './read-only-registry.js';
import { resilience } from './resilience.js';

type OnRequest = NonNullable<HttpServerOptions['onRequest']>;

/** A running (or runnable) gateway. */
export interface Gateway {
  /** The app underneath: its forwarding services, pipelines and transports. */
  readonly app: App;
  /** `http://host:port`, once started. */
  readonly url: string | undefined;
  start(): Promise<void>;
  /** Graceful: stops accepting, lets calls in flight finish, closes the rate-limit store. */
  stop(): Promise<void>;
}

/**
 * The health routes as the server serves them: its prefix normalised as it does (`/api/` and `api`
 * are `/api`) and the paths its `health` option gives, so that probes are never rate limited.
 */
function healthPaths(http: NonNullable<GatewayOptions['http']>): ReadonlySet<string> {
  if (http.health === false) return new Set();
  const trimmed = (http.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = trimmed === '' ? '' : `/${trimmed}`;
  return new Set([prefix + (http.health?.live ?? DEFAULTS.livePath), prefix + (http.health?.ready ?? DEFAULTS.readyPath)]);
}

function isGuard(value: GatewayOptions['auth']): value is AuthGuard {
  return typeof (value as AuthGuard | undefined)?.forEndpoint === 'function';
}

/**
 * The HTTP edge in front of the services: each service's routes (the same paths as the service
 * serves itself, so a client moves to the gateway by changing the origin), forwarded to an
 * instance found in the registry over HTTP, gRPC or in-process, with the caller's deadline and
 * identity; auth at the edge with the services' own declarations; rate limits per identity and per
 * IP; CORS; size limits; request ids; one OpenAPI 3.1 document of every service at
 * `/openapi.json` and Swagger UI at `/docs`.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const guard = options.auth === undefined ? undefined : isGuard(options.auth) ? options.auth : authGuard(options.auth);
  const oauth = options.docs === false ? undefined : options.docs?.oauth;
  const scheme = oauth === undefined ? 'bearer' : 'oauth2';
  const securitySchemes: Record<string, Record<string, unknown>> = oauth === undefined
    ? { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
    : {
        oauth2: {
          type: 'oauth2',
          flows: {
            authorizationCode: {
              authorizationUrl: oauth.authorizationUrl,
              tokenUrl: oauth.tokenUrl,
              scopes: oauth.scopes ?? {},
            },
          },
        },
      };
  const title = (options.docs === false ? undefined : options.docs?.title) ?? options.name ?? 'gateway';
  const http = options.http ?? {};
  const health = healthPaths(http);
  const resilient = resilience(options.registry, options, options.client ?? []);
  // The edge needs the app's logger, and the app needs the transport: the hook is set once both exist.
  let hook: OnRequest = (_req, _res, next) => next();

  const transport = httpTransport({
    port: 8080,
    ...http,
    openapi: { title, securitySchemes, ...(guard === undefined ? {} : { security: [{ [scheme]: [] }] }) },
    docs:
      options.docs === false
        ? false
        : {
            oauth:
              oauth === undefined
                ? undefined
                : {
                    clientId: oauth.clientId,
                    tokenUrl: oauth.tokenUrl,
                    scopes: Object.keys(oauth.scopes ?? {}),
                    params: oauth.params,
                  },
          },
    onRequest: (req, res, next) => hook(req, res, next),
  });

  const app = createApp({
    name: options.name ?? 'gateway',
    services: options.services.map((contract) => forwardingService(contract, scheme)),
    transports: [transport, ...(options.transports ?? [])],
    registry: readOnly(options.registry),
    balancer: resilient.balancer,
    middleware: { server: guard === undefined ? [] : [guard], client: resilient.client },
    logger: options.logger,
    shutdown: { signals: false, timeoutMs: options.shutdownMs ?? 10_000 },
  });
  const limiter = options.rateLimit === undefined ? undefined : new RateLimiter(options.rateLimit, app.logger);
  hook = edge({
    cors: options.cors,
    limits: options.limits,
    limiter,
    guard,
    // As the router matches them: with or without a trailing slash.
    exempt: (path) => health.has(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path),
    logger: app.logger,
  });

  return {
    app,
    get url() {
      return transport.address;
    },
    start: () => app.start(),
    async stop() {
      await app.stop();
      resilient.close();
      await limiter?.store.close?.();
    },
  };
}
