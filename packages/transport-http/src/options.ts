import type { IncomingMessage, ServerResponse } from 'node:http';

/** HTTP methods an RPC can be routed on. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The HTTP methods an RPC route may declare, in the order they are listed in `Allow`. */
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * How one RPC is exposed over HTTP: `@Rpc({ …, http: { method: 'GET', path: '/languages/:code' } })`.
 * The path is relative to the service's major version (`/v1`) unless `exact`; `:name` or `{name}`
 * segments are path parameters, which must be fields of the input.
 */
export interface HttpRouteOptions {
  /** Default `POST`. */
  readonly method?: HttpMethod;
  /** Default `/<service>/<method>`. */
  readonly path?: string;
  /**
   * Serve `path` exactly as written, without the `/v<major>` prefix: for an existing API whose
   * URLs must not change. Default false. (`exactPaths(methods)` sets it on every method of a contract.)
   */
  readonly exact?: boolean;
  /** The success status: 200 (default), 201 or 202. */
  readonly status?: 200 | 201 | 202;
  /**
   * OpenAPI security requirements of this operation; overrides the document-wide `security`
   * (`[]` marks a public operation). Documentation only: enforcing auth is middleware's job.
   */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

declare module '@wharf/core' {
  interface RpcTransportOptions {
    /** How the HTTP transport routes this RPC (see @wharf/transport-http). */
    http?: HttpRouteOptions;
  }
}

/** What the generated OpenAPI document says about the API besides its operations. */
export interface OpenApiOptions {
  /** Default: the app's name. */
  readonly title?: string;
  /** The API version; default: the version of the only service, or `1.0.0`. */
  readonly version?: string;
  readonly description?: string;
  /** `servers` of the document; default none, which means "the origin the document came from". */
  readonly servers?: readonly { readonly url: string; readonly description?: string }[];
  /** `components.securitySchemes`, e.g. `{ bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }`. */
  readonly securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Document-wide security requirements, e.g. `[{ bearer: [] }]`; a route's `http.security` overrides it. */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  /** Path prefix of every route, as served (see `HttpServerOptions.prefix`). */
  readonly prefix?: string;
}

/**
 * Swagger UI's sign-in: the authorization server and the public client the page uses, with the
 * authorization code flow and PKCE (no client secret in the page). Register
 * `<origin><docs path>/oauth2-redirect.html` as the client's redirect URI.
 */
export interface DocsOAuth {
  readonly clientId: string;
  /** The token endpoint: the page's Content-Security-Policy lets it call this origin. */
  readonly tokenUrl: string;
  /** Scopes ticked at sign-in. */
  readonly scopes?: readonly string[];
  /** Extra authorization request parameters, e.g. `{ resource: 'urn:shop' }` (RFC 8707). */
  readonly params?: Readonly<Record<string, string>>;
}

/**
 * A route served beside the RPCs, such as `/metrics` from `@wharf/observability`. It answers while
 * the server drains, as the health routes do, so the last scrape still sees the final counts.
 */
export interface HttpExtraRoute {
  /** Default `GET` (which also answers `HEAD`). */
  readonly method?: HttpMethod;
  /** The path as served, after the server's `prefix`: `/metrics`. */
  readonly path: string;
  /** Answers the request; it owns the response. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Server settings. Every timeout is in milliseconds. */
export interface HttpServerOptions {
  /** Port to listen on; default 3000. `0` picks a free port (see `transport.port`). */
  readonly port?: number;
  /** Interface to bind; default `127.0.0.1`. `0.0.0.0` or `::` to accept remote connections. */
  readonly host?: string;
  /**
   * The address registered for other apps to call, e.g. `http://orders-7f9c:3000`. Default:
   * `http://<host>:<port>`, with the machine's hostname when `host` is a wildcard.
   */
  readonly advertise?: string;
  /** A path prefix for every route (e.g. `/api`); default none. */
  readonly prefix?: string;
  /** Largest accepted request body in bytes; default 1 MiB. Larger bodies get 413 unread. */
  readonly bodyLimit?: number;
  /**
   * Deepest JSON nesting accepted in a request body; default 64. Deeper bodies get 400 as soon as
   * the bytes show it, before any parsing (V8 needs hundreds of ms for a megabyte of `[[[…]]]`).
   */
  readonly maxJsonDepth?: number;
  /**
   * Most header fields a request may carry; default 100 (as Apache's LimitRequestFields). More get
   * 431. Node would otherwise drop the fields past its own count silently, `Content-Length` among
   * them, and the body with it.
   */
  readonly maxHeaders?: number;
  /** Time allowed to receive the request headers; default 10 000. */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive the whole request (headers and body); default 30 000. */
  readonly requestTimeoutMs?: number;
  /** How long an idle kept-alive connection stays open; default 5 000. */
  readonly keepAliveTimeoutMs?: number;
  /** How often the server looks for connections past those timeouts; default 1 000. */
  readonly connectionsCheckingIntervalMs?: number;
  /**
   * The handler's time limit when the caller sends no `x-wharf-timeout-ms`: the RPC's `timeoutMs`,
   * else this; default 30 000. `null` for no limit.
   */
  readonly defaultTimeoutMs?: number | null;
  /** Serve the OpenAPI document; default `/openapi.json`. `false` to turn it off. */
  readonly openapi?: false | (OpenApiOptions & { readonly path?: string });
  /** Serve Swagger UI; default `/docs`. Needs `openapi`. `false` to turn it off. */
  readonly docs?: false | { readonly path?: string; readonly oauth?: DocsOAuth };
  /** Health routes; default `/health/live` and `/health/ready`. `false` to turn them off. */
  readonly health?: false | { readonly live?: string; readonly ready?: string };
  /**
   * Runs before routing, on every request (health, docs and unknown paths too), with the raw
   * request and response: call `next()` to go on, or answer `res` yourself. Headers set here stay
   * on the response. For edge concerns that need the connection (per-IP rate limits, CORS
   * preflight); default none.
   */
  readonly onRequest?: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  /** More routes to serve, e.g. `[metricsRoute(metrics)]` from `@wharf/observability`. */
  readonly routes?: readonly HttpExtraRoute[];
}

/** Client settings (the half that sends `ctx.call`s to `http://` addresses). */
export interface HttpClientOptions {
  /** Most connections kept per origin; default 128. */
  readonly connections?: number;
  /** How long an idle connection is kept for reuse; default 4 000 (under the server's 5 000). */
  readonly keepAliveTimeoutMs?: number;
  /** Time allowed to open a connection; default 5 000. */
  readonly connectTimeoutMs?: number;
  /** Largest accepted response body in bytes; default 16 MiB. */
  readonly maxResponseBytes?: number;
  /**
   * Subtracted from the deadline sent to the callee (`x-wharf-timeout-ms`, `x-wharf-deadline`),
   * leaving time for the answer to travel back; default 5.
   */
  readonly deadlineMarginMs?: number;
}

/** Options of `httpTransport`: the server settings, plus `client` for the calling half. */
export interface HttpTransportOptions extends HttpServerOptions {
  readonly client?: HttpClientOptions;
}

/** The safe defaults (see docs/transports/http.md). */
export const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  bodyLimit: 1024 * 1024,
  maxJsonDepth: 64,
  maxHeaders: 100,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  defaultTimeoutMs: 30_000,
  openapiPath: '/openapi.json',
  docsPath: '/docs',
  livePath: '/health/live',
  readyPath: '/health/ready',
  client: {
    connections: 128,
    keepAliveTimeoutMs: 4_000,
    connectTimeoutMs: 5_000,
    maxResponseBytes: 16 * 1024 * 1024,
    deadlineMarginMs: 5,
  },
} as const;
