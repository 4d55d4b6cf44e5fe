import { createContextKey, type Context as OtelContext, type Span, SpanKind, trace } from '@opentelemetry/api';
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
  const kept = ctx.locals[TRACE_CONTEXT] as OtelContext | undefined;
  return kept === undefined ? undefined : (kept.getValue(TRANSACTION) as Span | undefined);
}

/** The active span and the transaction span of the current context, for log lines. */
export function currentSpans(ctx: OtelContext): { span: Span | undefined; transaction: Span | undefined } {
  return { span: trace.getSpan(ctx), transaction: ctx.getValue(TRANSACTION) as Span | undefined };
}
