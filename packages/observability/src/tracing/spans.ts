import {
  createContextKey,
  INVALID_SPANID,
  INVALID_TRACEID,
  type Context as OtelContext,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import type { Context } from '@wharf/core';

/** Where a handler's trace context is kept in `ctx.locals`, for the calls it makes and for `spanOf`. */
export const TRACE_CONTEXT = 'otel.context';

/** The context key of the local root span (ECS `transaction.id`): the request's server span. */
export const TRANSACTION = createContextKey('@wharf/observability transaction span');

/**
 * True for a recording SERVER or CONSUMER span that an auto-instrumentation (http, grpc-js,
 * amqplib) opened for the request being dispatched: not a request's span already (Wharf's own, or
 * one adopted before, are the transaction of their context). The kind is read from the SDK's span
 * object: the API does not expose it.
 */
export function adoptable(span: Span, active: OtelContext): boolean {
  if (active.getValue(TRANSACTION) === span || !span.isRecording()) return false;
  const kind = (span as unknown as { kind?: SpanKind }).kind;
  return kind === SpanKind.SERVER || kind === SpanKind.CONSUMER;
}

/** `ctx` with `span` as the transaction (the request's root span in this service). */
export function withTransaction(ctx: OtelContext, span: Span): OtelContext {
  return ctx.setValue(TRANSACTION, span);
}

/** The span of the request a handler serves (its server or consumer span), when tracing is on. */
export function spanOf(ctx: Context): Span | undefined {
  const kept = traceContextOf(ctx);
  // Explicit propagation keeps no transaction key: the handler's context holds only its span.
  return kept === undefined ? undefined : ((kept.getValue(TRANSACTION) as Span | undefined) ?? trace.getSpan(kept));
}

/**
 * The trace context of the request a handler serves, when tracing is on: the parent to give spans
 * of the handler's own, `tracer.startSpan(name, options, traceContextOf(ctx))`, and where its
 * baggage is. Needed with explicit context propagation (the default), where the handler's span is
 * not the active one; the same context either way.
 */
export function traceContextOf(ctx: Context): OtelContext | undefined {
  return ctx.locals[TRACE_CONTEXT] as OtelContext | undefined;
}

/** The ECS trace fields of a log line in `ctx`: its span and the request's server span as the transaction. */
export function traceFields(ctx: OtelContext): Record<string, string> | undefined {
  const span = trace.getSpan(ctx);
  if (span === undefined) return undefined;
  const ids = span.spanContext();
  // Not isSpanContextValid: its two regular expressions per line are most of this function's cost,
  // and the only invalid context a span here can have is the API's all-zero one.
  if (ids.traceId === INVALID_TRACEID || ids.spanId === INVALID_SPANID) return undefined;
  const transaction = ctx.getValue(TRANSACTION) as Span | undefined;
  return {
    'trace.id': ids.traceId,
    'span.id': ids.spanId,
    'transaction.id': (transaction ?? span).spanContext().spanId,
  };
}
