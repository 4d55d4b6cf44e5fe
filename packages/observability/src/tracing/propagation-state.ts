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

// W3C trace context and baggage read exactly the fields they name. Others do not (B3 reads both
// its single and its multi headers whichever it names, Jaeger's baggage is every `uberctx-*`).
const W3C_FIELDS = new Set(['traceparent', 'tracestate', 'baggage']);

/**
 * False when extracting cannot find anything: the global propagator is W3C trace context and/or
 * baggage (the default) and `metadata` holds none of their fields. With any other propagator,
 * true: it is asked every time. The fields are read once, and again whenever `startTracing` or its
 * shutdown changes the propagator.
 */
export function carriesContext(metadata: Readonly<Record<string, string>>): boolean {
  if (carrierFields === undefined) {
    const fields = propagation.fields().map((f) => f.toLowerCase());
    carrierFields = fields.every((f) => W3C_FIELDS.has(f)) ? fields : [];
  }
  if (carrierFields.length === 0) return true;
  for (const field of carrierFields) if (metadata[field] !== undefined) return true;
  return false;
}
