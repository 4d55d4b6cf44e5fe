import { propagation } from '@opentelemetry/api';

// What `startTracing` tells the tracing middleware about the SDK it started. Both entry points
// (@wharf/observability and /otel) load this one module, so it is one state per process.
let explicit = false;
let carrierFields: readonly string[] | undefined;

/**
 * Set by `startTracing`: true while its SDK runs with no context manager. The middleware then
 * skips `context.with` (which would do nothing) and binds the trace ids to `ctx.log` itself. An
 * SDK registered by other means keeps it false: the middleware probes the context instead.
 */
export function setExplicitContext(on: boolean): void {
  explicit = on;
  carrierFields = undefined;
}

/** True while `startTracing`'s SDK propagates the trace context explicitly (no context manager). */
export function explicitContext(): boolean {
  return explicit;
}

/**
 * True when `metadata` holds a field the global propagator reads (`traceparent`, `baggage`, …):
 * without one, extracting can only give back the root context, so it is skipped. The fields are
 * read once and again whenever `startTracing` or its shutdown changes the propagator.
 */
export function carriesContext(metadata: Readonly<Record<string, string>>): boolean {
  carrierFields ??= propagation.fields().map((f) => f.toLowerCase());
  for (const field of carrierFields) if (metadata[field] !== undefined) return true;
  return false;
}
