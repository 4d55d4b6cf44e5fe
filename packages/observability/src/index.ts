// The whole public surface of @wharf/observability. The OpenTelemetry SDK set-up is a separate
// entry point, @wharf/observability/otel (and /register), so apps that do not trace never load it.
export { type EcsLoggerOptions, ecsLogger } from './logs/ecs.js';
export { type Catalog, createCatalog, RPC_BUCKETS } from './metrics/catalog.js';
export {
  type MetricsListener,
  type MetricsListenerOptions,
  metricsHandler,
  metricsListener,
  metricsRoute,
} from './metrics/exposition.js';
export { LabelGuard, OVERFLOW } from './metrics/label-guard.js';
export { type Exposition, type MetricsOptions, WharfMetrics } from './metrics/metrics.js';
export { metricsMiddleware } from './metrics/middleware.js';
export {
  type BreakerChange,
  type BreakerEventSource,
  type BreakerState,
  type CallTarget,
  type ResilienceEvents,
  watchBreakers,
} from './metrics/resilience.js';
export {
  type Observability,
  type ObservabilityAppOptions,
  type ObservabilityOptions,
  observability,
} from './observability.js';
export { ATTR } from './tracing/attributes.js';
export { type TracingOptions, tracingMiddleware } from './tracing/middleware.js';
export { spanOf, TRACE_CONTEXT, traceContextOf } from './tracing/spans.js';
