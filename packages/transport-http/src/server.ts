import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { DeclarationError, type Schema } from '@wharf/core';
import {
  acceptRequestId,
  type ErrorCode,
  hasInputStream,
  MetadataKey,
  type TransportContext,
  type TransportHost,
  WharfError,
} from '@wharf/core/transport';
import Router from 'find-my-way';
import { onClientError } from './client-error.js';
import { objectShape } from './coerce.js';
import { lingerOnClose } from './linger.js';
import { openApiDocument } from './openapi.js';
import { DEFAULTS, type HttpServerOptions } from './options.js';
import { JSON_CONTENT_TYPE, sendProblem } from './response.js';
import { normalisePrefix, routeOf, routeProblems } from './route.js';
import { type Params, type Query, type RouteHandler, rpcHandler } from './rpc-handler.js';
import { type StaticAsset, swaggerUiAssets } from './swagger-ui.js';

type RouterInstance = ReturnType<typeof Router>;
type Method = Parameters<RouterInstance['find']>[0];

// Methods probed to build `Allow` for a 405.
const PROBED: readonly Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** What a route carries besides its handler. */
interface RouteStore {
  /** Health (and extra operational) routes answer while draining, when everything else is refused. */
  readonly health?: boolean;
}
const HEALTH: RouteStore = { health: true };

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The server half of the HTTP transport: one node:http server and a find-my-way routing table. */
export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #prefix: string;
  /** Where a lost client can find the routes, for the 404 message; empty when the document is off. */
  readonly #routesHint: string;
  readonly #router: RouterInstance;
  #server: Server | undefined;
  #host: TransportHost | undefined;
  #refused: (code: ErrorCode) => void = () => {};
  #closing = false;
  #port: number | undefined;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#prefix = normalisePrefix(options.prefix);
    this.#routesHint =
      options.openapi === false
        ? ''
        : `; the routes are listed at ${this.#prefix}${options.openapi?.path ?? DEFAULTS.openapiPath}`;
    this.#router = Router({ ignoreTrailingSlash: true, maxParamLength: 500 });
  }

  /** The port listened on, once listening. */
  get port(): number | undefined {
    return this.#port;
  }

  readonly #draining = (): boolean => this.#closing || this.#host?.state === 'draining';

  /** Builds the routing table, starts listening, and resolves with the address to register. */
  async listen(host: TransportHost, context: TransportContext): Promise<string> {
    if (this.#server !== undefined) throw new Error('This HTTP transport is already listening; create one transport per app');
    this.#host = host;
    const observer = context.observer;
    this.#refused = (code) => observer.requestRefused('http', code);
    this.#routeRpcs(host, context);
    this.#routeExtras(host, context);
    this.#router.compile();

    const o = this.#options;
    const server = createServer(
      {
        headersTimeout: o.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
        requestTimeout: o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
        keepAliveTimeout: o.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
        connectionsCheckingInterval: o.connectionsCheckingIntervalMs ?? DEFAULTS.connectionsCheckingIntervalMs,
      },
      this.#onRequest,
    );
    server.on('clientError', onClientError);
    // `Expect: 100-continue` with a body over the limit gets its 413 before the client sends it.
    const limit = o.bodyLimit ?? DEFAULTS.bodyLimit;
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!(Number(req.headers['content-length']) > limit)) res.writeContinue();
      this.#onRequest(req, res);
    });
    const port = o.port ?? DEFAULTS.port;
    const bind = o.host ?? DEFAULTS.host;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        const why =
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use on ${bind}; stop the other process or set another port (PORT, or the transport's port option)`
            : error.message;
        reject(new Error(`The HTTP transport cannot listen on ${bind}:${port}: ${why}`, { cause: error }));
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ port, host: bind });
    });
    this.#server = server;
    const address = server.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : port;
    const advertised = WILDCARD_HOSTS.has(bind) ? hostname() : bind;
    return o.advertise ?? `http://${urlHost(advertised)}:${this.#port}${this.#prefix}`;
  }

  #routeRpcs(host: TransportHost, app: TransportContext): void {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    const routes: string[] = [];
    const unsupported: string[] = [];
    const context = {
      host,
      logger: app.logger,
      bodyLimit: this.#options.bodyLimit ?? DEFAULTS.bodyLimit,
      defaultTimeoutMs:
        this.#options.defaultTimeoutMs === null ? undefined : (this.#options.defaultTimeoutMs ?? DEFAULTS.defaultTimeoutMs),
      draining: this.#draining,
      refused: this.#refused,
    };
    for (const endpoint of host.rpcs) {
      const found = routeProblems(endpoint, endpoint.source);
      const route = routeOf(endpoint);
      for (const name of route.params) {
        if (!hasInputStream(endpoint.stream) && !this.#inputHas(endpoint.input, name)) {
          found.push(
            `${endpoint.source}: path parameter "${name}" is not a field of the input schema; add it or rename the parameter`,
          );
        }
      }
      // Two templates that differ only in parameter names are the same route.
      const key = `${route.method} ${route.path.replace(/:[^/]+/g, ':')}`;
      const previous = seen.get(key);
      if (previous !== undefined)
        found.push(`${endpoint.source}: route ${route.method} ${route.path} is also used by ${previous}`);
      seen.set(key, endpoint.source);
      if (found.length > 0) {
        problems.push(...found);
        continue;
      }
      const handler = rpcHandler(endpoint, route, context);
      this.#on(route.method, this.#prefix + route.path, handler);
      routes.push(`${route.method} ${this.#prefix}${route.path} → ${endpoint.fullName}`);
      if (hasInputStream(endpoint.stream)) unsupported.push(`${endpoint.fullName} (${endpoint.stream} stream)`);
    }
    if (problems.length > 0) throw new DeclarationError(problems);
    app.logger.info({ routes }, `HTTP routes: ${routes.length}`);
    if (unsupported.length > 0) {
      app.logger.warn(
        { rpcs: unsupported },
        `These RPCs stream their input, which the HTTP transport does not carry; they answer 501 UNIMPLEMENTED over HTTP`,
      );
    }
  }

  #inputHas(schema: Schema, name: string): boolean {
    const shape = objectShape(schema);
    // Not an object schema we can see into: let validation speak at request time.
    return shape === undefined || name in shape;
  }

  #routeExtras(host: TransportHost, app: TransportContext): void {
    const o = this.#options;
    const prefix = this.#prefix;
    for (const route of o.routes ?? []) {
      const method = route.method ?? 'GET';
      if (method === 'GET') this.#get(prefix + route.path, route.handler, HEALTH);
      else this.#on(method, prefix + route.path, route.handler as RouteHandler, HEALTH);
    }
    if (o.health !== false) {
      const live = prefix + (o.health?.live ?? DEFAULTS.livePath);
      const ready = prefix + (o.health?.ready ?? DEFAULTS.readyPath);
      this.#get(
        live,
        (_req, res) => {
          res.setHeader('cache-control', 'no-store');
          sendJsonBody(res, 200, '{"status":"live"}');
        },
        HEALTH,
      );
      this.#get(
        ready,
        (_req, res) => {
          res.setHeader('cache-control', 'no-store');
          sendJsonBody(res, host.isReady() ? 200 : 503, readyBody(host));
        },
        HEALTH,
      );
    }
    if (o.openapi === false) return;
    const specPath = prefix + (o.openapi?.path ?? DEFAULTS.openapiPath);
    const document = openApiDocument(host.services, { title: app.appName, ...o.openapi, prefix });
    const spec = Buffer.from(JSON.stringify(document));
    this.#get(specPath, (_req, res) => {
      res.statusCode = 200;
      res.setHeader('content-type', JSON_CONTENT_TYPE);
      res.setHeader('cache-control', 'no-cache');
      res.end(spec);
    });
    if (o.docs === false) return;
    const docsPath = prefix + (o.docs?.path ?? DEFAULTS.docsPath);
    for (const [path, asset] of swaggerUiAssets(docsPath, specPath, o.openapi?.title ?? app.appName, o.docs?.oauth)) {
      this.#get(path, (_req, res) => sendAsset(res, asset));
    }
  }

  #get(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void, store?: RouteStore): void {
    this.#on('GET', path, handler, store);
    this.#on('HEAD', path, handler, store);
  }

  #on(method: Method, path: string, handler: RouteHandler, store?: RouteStore): void {
    try {
      this.#router.on(method, path, handler as never, store);
    } catch (error) {
      throw new DeclarationError([`HTTP route ${method} ${path} cannot be added: ${(error as Error).message}`]);
    }
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const hook = this.#options.onRequest;
    if (hook === undefined) this.#route(req, res);
    else hook(req, res, () => this.#route(req, res));
  };

  readonly #route = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method as Method;
    const url = req.url ?? '/';
    const found = this.#router.find(method, url);
    if (this.#draining() && !this.#isHealth(found)) {
      // New work is refused while draining; the client should go to another instance.
      const error = new WharfError('UNAVAILABLE', 'The server is shutting down; retry on another instance');
      this.#refused(error.code);
      if (!req.complete) lingerOnClose(req.socket);
      sendProblem(res, 503, error, requestIdOf(req), true);
      return;
    }
    if (found === null) {
      this.#miss(req, res, method, url);
      return;
    }
    (found.handler as unknown as RouteHandler)(req, res, found.params as Params, found.searchParams as Query);
  };

  #isHealth(found: ReturnType<RouterInstance['find']>): boolean {
    return (found?.store as RouteStore | undefined)?.health === true;
  }

  #miss(req: IncomingMessage, res: ServerResponse, method: string, url: string): void {
    const allowed = PROBED.filter((m) => m !== method && this.#router.find(m, url) !== null);
    const path = url.split('?', 1)[0] ?? '/';
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    if (allowed.length === 0) {
      const error = new WharfError('NOT_FOUND', `No route for ${method} ${shown}${this.#routesHint}`, {
        reason: 'NO_ROUTE',
      });
      this.#refused(error.code);
      sendProblem(res, 404, error, requestIdOf(req), false);
      return;
    }
    const allow = allowed.join(', ');
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('allow', allow);
      res.end();
      return;
    }
    this.#refused('UNIMPLEMENTED');
    const error = new WharfError('UNIMPLEMENTED', `${shown} does not accept ${method}; use ${allow}`, {
      reason: 'METHOD_NOT_ALLOWED',
      allow: allowed,
    });
    sendProblem(res, 405, error, requestIdOf(req), false, { allow });
  }

  /** Stops accepting, lets in-flight requests finish, closes idle connections; force-closes when `signal` aborts. */
  async close(signal: AbortSignal): Promise<void> {
    this.#closing = true;
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    // Sockets that go idle after their last response are closed as they do; close() itself only
    // closes those idle at the moment it is called.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = () => server.closeAllConnections();
    signal.addEventListener('abort', force, { once: true });
    try {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (signal.aborted) force();
      });
    } finally {
      clearInterval(sweep);
      signal.removeEventListener('abort', force);
    }
  }
}

function requestIdOf(req: IncomingMessage): string {
  return acceptRequestId(req.headers[MetadataKey.requestId] as string | undefined);
}

function sendJsonBody(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', JSON_CONTENT_TYPE);
  res.end(body);
}

function sendAsset(res: ServerResponse, asset: StaticAsset): void {
  res.statusCode = 200;
  res.setHeader('content-type', asset.contentType);
  res.setHeader('x-content-type-options', 'nosniff');
  if (asset.csp !== undefined) {
    res.setHeader('content-security-policy', asset.csp);
    res.setHeader('cache-control', 'no-cache');
  } else {
    res.setHeader('cache-control', 'public, max-age=3600');
  }
  res.end(asset.body());
}

/** The readiness body: the status, and the reasons when there are any (holds, an unreachable registry). */
function readyBody(host: TransportHost): string {
  const health = host.health?.();
  const holds = health !== undefined && Object.keys(health.holds).length > 0 ? { holds: health.holds } : {};
  const registry = health?.registry === undefined ? {} : { registry: health.registry };
  if (host.isReady()) return JSON.stringify({ status: 'ready', ...registry });
  return JSON.stringify({ status: 'not ready', state: host.state, ...holds, ...registry });
}
