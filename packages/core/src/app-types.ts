import type { Logger, LoggerOptions } from 'pino';
import type { Balancer } from './balancer.js';
import type { Caller } from './caller.js';
import type { Endpoint, ServiceDefinition } from './endpoint.js';
import type { RequestLogOptions } from './middleware/request-log.js';
import type { ClientMiddleware, EndpointMiddleware, ServerMiddleware, ServerMiddlewareEntry } from './pipeline.js';
import type { Registry } from './registry.js';
import type { AppHealth, AppState, InboundRequest, Transport, TransportObserver } from './transport.js';

/** The built-in server middleware, for reordering in `middleware.server`. */
export interface ServerBuiltins {
  readonly requestLog: ServerMiddleware | undefined;
  readonly validation: EndpointMiddleware;
}

/** The built-in client middleware, for reordering in `middleware.client`. */
export interface ClientBuiltins {
  readonly resolve: ClientMiddleware;
}

/** Graceful shutdown settings. */
export interface ShutdownOptions {
  /** Longest time to wait for in-flight work before cancelling it; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Time between turning not-ready and closing listeners, for load balancers to notice; default 0. */
  readonly drainDelayMs?: number;
  /** Signals that start a graceful shutdown; default SIGTERM and SIGINT. `false` to handle them yourself. */
  readonly signals?: readonly NodeJS.Signals[] | false;
  /** Exit the process after a signal-initiated shutdown; default true. */
  readonly exit?: boolean;
}

/** Who an app is, for a logger built once the app has its instance id. */
export interface AppIdentity {
  readonly name: string;
  /** Unique per running app; the prefix of the ids it registers. */
  readonly instanceId: string;
}

/** What `createApp` takes. */
export interface AppOptions {
  /** Names the app in logs and as the emitter of events sent outside handlers; default `wharf`. */
  readonly name?: string;
  /** Decorated service instances or definitions from `defineService`/`implement`. */
  readonly services?: readonly object[];
  /** Transports in order of preference; the in-memory transport is added last unless given. */
  readonly transports?: readonly Transport[];
  /** Where services are registered and found; a fresh in-memory registry by default. */
  readonly registry?: Registry;
  /** Chooses among instances; round robin by default. */
  readonly balancer?: Balancer;
  /**
   * Extra middleware. An array goes between the built-ins (server: request log, yours, validation;
   * client: yours, resolve); a function receives the built-ins and returns the full order. Deadlines
   * and cancellation are enforced around the whole server pipeline, whatever the order.
   */
  readonly middleware?: {
    readonly server?: readonly ServerMiddlewareEntry[] | ((builtins: ServerBuiltins) => readonly ServerMiddlewareEntry[]);
    readonly client?: readonly ClientMiddleware[] | ((builtins: ClientBuiltins) => readonly ClientMiddleware[]);
  };
  /**
   * A pino logger, pino options, or a function building the logger from the app's name and
   * instance id (e.g. an ECS logger naming the instance); default: pino at `LOG_LEVEL` or `info`.
   */
  readonly logger?: Logger | LoggerOptions | ((app: AppIdentity) => Logger);
  /** Told what the transports do below the pipelines (refusals, event retries, dead letters), e.g. for metrics. */
  readonly observers?: readonly TransportObserver[];
  /** Validate handler outputs against their schemas; default false. */
  readonly validateOutput?: boolean;
  /** Timeout of calls whose caller set none; default 30 000 ms. `null` for none. */
  readonly defaultTimeoutMs?: number | null;
  /** The per-request log line; `false` to drop it from the pipeline. */
  readonly requestLog?: RequestLogOptions | false;
  readonly shutdown?: ShutdownOptions;
  /**
   * Advertised with every instance this app registers (beside `app` and `instance`), e.g.
   * `{ release: '2', zone: 'a' }`; version routing matches `release` when present.
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A running (or runnable) set of services with its transports. */
export interface App extends Caller {
  readonly name: string;
  /** Unique per app instance; part of the addresses it registers. */
  readonly instanceId: string;
  readonly logger: Logger;
  readonly services: readonly ServiceDefinition[];
  readonly state: AppState;
  /** The addresses the transports listen on, once started. */
  readonly addresses: readonly string[];
  /** Starts every transport and registers the services. */
  start(): Promise<void>;
  /** Graceful stop: not ready, deregister, stop accepting, drain up to the timeout, close. */
  stop(): Promise<void>;
  isReady(): boolean;
  onReadinessChange(listener: (ready: boolean) => void): () => void;
  /** Readiness with its reasons: what holds the app back, and how its registry is doing. */
  health(): AppHealth;
  /** Runs an endpoint through the server pipeline, as a transport would. */
  dispatch(endpoint: Endpoint, payload: unknown, request: InboundRequest): Promise<unknown>;
}
