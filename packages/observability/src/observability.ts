import type { AppIdentity, AppOptions, CallMiddleware, Logger, ServerBuiltins, ServerMiddlewareEntry } from '@wharf/core';
import { type EcsLoggerOptions, ecsLogger } from './logs/ecs.js';
import { type MetricsListener, type MetricsListenerOptions, metricsListener, metricsRoute } from './metrics/exposition.js';
import { type MetricsOptions, WharfMetrics } from './metrics/metrics.js';
import { metricsMiddleware } from './metrics/middleware.js';
import type { ResilienceEvents } from './metrics/resilience.js';
import { type TracingOptions, tracingMiddleware } from './tracing/middleware.js';

/** Options of `observability`: each part is on unless set to `false`. */
export interface ObservabilityOptions {
  readonly metrics?: false | MetricsOptions;
  /** Spans when an OpenTelemetry SDK is registered (`startTracing`); one check per call otherwise. */
  readonly tracing?: false | TracingOptions;
  /** ECS JSON logs with trace ids. */
  readonly logs?: false | EcsLoggerOptions;
}

/** What `createApp` needs from observability: spread `obs.app` into its options. */
export interface ObservabilityAppOptions {
  readonly middleware: NonNullable<AppOptions['middleware']>;
  readonly observers: NonNullable<AppOptions['observers']>;
  readonly logger?: (app: AppIdentity) => Logger;
}

/** Metrics, tracing and logs for one app. */
export interface Observability {
  /** The metrics (undefined with `metrics: false`): registry, families, observer, resilience feed. */
  readonly metrics: WharfMetrics | undefined;
  /** Where breakers, retries, bulkheads and rate limits report; does nothing with `metrics: false`. */
  readonly resilience: ResilienceEvents;
  /** Tracing then metrics, as one middleware for both pipelines. */
  readonly middleware: CallMiddleware;
  /** Spread into `createApp`: the middleware first on both pipelines, the transport observer, the ECS logger. */
  readonly app: ObservabilityAppOptions;
  /** `/metrics` for `httpTransport({ routes: obs.routes })`; empty with `metrics: false`. */
  readonly routes: readonly ReturnType<typeof metricsRoute>[];
  /** A listener serving only `/metrics`, for an app without HTTP: add it to `transports`. */
  metricsListener(options?: MetricsListenerOptions): MetricsListener;
}

const IGNORED: ResilienceEvents = {
  breakerStateChanged() {},
  retried() {},
  bulkheadRejected() {},
  rateLimited() {},
};

/** Chains middleware into one (each calls the next), saving a pipeline layer per call. */
function chain(layers: readonly CallMiddleware[]): CallMiddleware {
  return layers.reduceRight<CallMiddleware>(
    (inner, outer) => (call, next) => outer(call, () => inner(call, next)),
    (_call, next) => next(),
  );
}

/**
 * Observability in one line: `const obs = observability()`, then
 * `createApp({ ...obs.app, services, transports: [httpTransport({ routes: obs.routes })] })`.
 * The middleware goes first on both pipelines, so the request log line and everything inside run
 * in the request's span. With middleware of your own, place `obs.middleware` yourself:
 * `middleware: { server: (b) => [obs.middleware, b.requestLog, auth, b.validation], client: [obs.middleware] }`.
 */
export function observability(options: ObservabilityOptions = {}): Observability {
  const metrics = options.metrics === false ? undefined : new WharfMetrics(options.metrics);
  const layers: CallMiddleware[] = [];
  if (options.tracing !== false) layers.push(tracingMiddleware(options.tracing));
  if (metrics !== undefined) layers.push(metricsMiddleware(metrics));
  const middleware = layers.length === 1 ? (layers[0] as CallMiddleware) : chain(layers);
  const server = ({ requestLog, validation }: ServerBuiltins): ServerMiddlewareEntry[] =>
    requestLog === undefined ? [middleware, validation] : [middleware, requestLog, validation];
  return {
    metrics,
    resilience: metrics?.resilience ?? IGNORED,
    middleware,
    app: {
      middleware: { server, client: [middleware] },
      observers: metrics === undefined ? [] : [metrics.observer],
      ...(options.logs === false ? {} : { logger: ecsLogger(options.logs) }),
    },
    routes: metrics === undefined ? [] : [metricsRoute(metrics)],
    metricsListener(listenerOptions) {
      if (metrics === undefined) throw new Error('metricsListener needs metrics; observability({ metrics: false }) has none');
      return metricsListener(metrics, listenerOptions);
    },
  };
}
