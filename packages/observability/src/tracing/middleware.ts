import {
  context,
  type Exception,
  type Context as OtelContext,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Call, CallMiddleware, ClientCall, Next, ServerCall } from '@wharf/core';
import { hasOutputStream } from '@wharf/core/transport';
import { codeOf, errorOf, observeDone, type ResultCode } from '../outcome.js';
import { clientAttributes, resolvedAttributes, resultAttributes, serverAttributes } from './attributes.js';
import { metadataGetter, metadataSetter } from './carrier.js';
import { delegateOf, type StartSpan, spanStarter } from './fast-tracer.js';
import { carriesContext, explicitContext } from './propagation-state.js';
import { contextWithSpan } from './span-context.js';
import { adoptable, TRACE_CONTEXT, traceFields, withTransaction } from './spans.js';

/** Options of `tracingMiddleware`. */
export interface TracingOptions {
  /** The tracer; default `trace.getTracer('@wharf/observability')` from the global provider. */
  readonly tracer?: Tracer;
  /**
   * `false`: let the SDK's tracer make Wharf's spans too. By default, on the OpenTelemetry SDK's
   * tracer, Wharf makes them itself, with the SDK's sampler, ids, processors, resource and limits,
   * at a fraction of the cost; the SDK's own span counters (its self-metrics) do not count them.
   */
  readonly leanSpans?: boolean;
}

// Codes that are the server's fault: a server span is an error only for these (OpenTelemetry's
// RPC conventions); a client or producer span is an error for any code but OK.
const SERVER_FAULTS = new Set<ResultCode>([
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
]);

// The delegate the global provider has before any SDK registers: tracing is off while it is this.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** The tracer provider an OpenTelemetry SDK registered, or undefined while none is. */
function registeredProvider(): TracerProvider | undefined {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider)) return provider;
  const delegate = provider.getDelegate();
  return delegate === NOOP_PROVIDER ? undefined : delegate;
}

/**
 * OpenTelemetry tracing for both pipelines, as one `CallMiddleware`. Server side: a SERVER span
 * (CONSUMER for an event) whose parent is the caller's `traceparent` from the metadata, kept in the
 * handler's context (`traceContextOf(ctx)`; also the active one with the async-local-storage
 * context), so its logs, its own spans and its `ctx.call`/`ctx.emit` continue the trace. Client side: a CLIENT span (PRODUCER for an emit) under the calling handler's span, its
 * context injected into the outgoing metadata, which every transport carries. Costs one check
 * per call while no SDK is registered.
 *
 * With OpenTelemetry's http, grpc-js or amqplib instrumentations enabled as well, no hop is traced
 * twice: outgoing transport I/O runs with tracing suppressed (Wharf's client span is the one),
 * and a server span such an instrumentation opened for the request is adopted (renamed, given
 * Wharf's attributes) instead of getting a second SERVER span under it.
 */
export function tracingMiddleware(options: TracingOptions = {}): CallMiddleware {
  const lean = options.leanSpans !== false;
  // How spans are started, made again whenever what is behind them changes: the tracer behind a
  // given proxy tracer, or the registered SDK (tracing stopped and started again while the app runs).
  let starter: StartSpan | undefined;
  let starterFor: Tracer | TracerProvider | undefined;
  return (call: Call, next: Next) => {
    const source = options.tracer === undefined ? registeredProvider() : delegateOf(options.tracer);
    if (source === undefined) return next();
    if (source !== starterFor || starter === undefined) {
      const tracer = options.tracer === undefined ? (source as TracerProvider).getTracer('@wharf/observability') : source;
      starter = spanStarter(tracer as Tracer, lean);
      starterFor = source;
    }
    return call.side === 'server' ? traceServer(starter, call, next) : traceClient(starter, call, next);
  };
}

function traceServer(startSpan: StartSpan, call: ServerCall, next: Next): Promise<unknown> {
  const event = call.kind === 'event';
  const active = context.active();
  const ambient = trace.getSpan(active);
  const name = event ? `process ${call.event?.name ?? call.method}` : rpcSpanName(call.endpoint, call);
  if (ambient !== undefined && adoptable(ambient, active)) {
    // An auto-instrumentation already opened the server span of this request: make it Wharf's.
    ambient.updateName(name);
    ambient.setAttributes(serverAttributes(call));
    const handlerContext = withTransaction(active, ambient);
    call.locals[TRACE_CONTEXT] = handlerContext;
    return settle(call, ambient, context.with(handlerContext, handle, undefined, handlerContext, call, next), false);
  }
  const parent = carriesContext(call.metadata) ? propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter) : ROOT_CONTEXT;
  const span = startSpan(name, event ? SpanKind.CONSUMER : SpanKind.SERVER, serverAttributes(call), parent);
  if (explicitContext()) {
    // Nothing else can become this context's span, so it is the transaction too: no key for it.
    const handlerContext = contextWithSpan(parent, span);
    call.locals[TRACE_CONTEXT] = handlerContext;
    bindTraceIds(call, handlerContext);
    return settle(call, span, next(), true);
  }
  const handlerContext = withTransaction(contextWithSpan(parent, span), span);
  call.locals[TRACE_CONTEXT] = handlerContext;
  return settle(call, span, context.with(handlerContext, handle, undefined, handlerContext, call, next), true);
}

// An RPC span's name (`service/method`), made once per endpoint or method reference: a new string
// per request would live as long as its span waits in the export queue.
const spanNames = new WeakMap<object, string>();

function rpcSpanName(of: object, call: { readonly service: string; readonly method: string }): string {
  let name = spanNames.get(of);
  if (name === undefined) {
    name = `${call.service}/${call.method}`;
    spanNames.set(of, name);
  }
  return name;
}

function bindTraceIds(call: ServerCall, handlerContext: OtelContext): void {
  const fields = traceFields(handlerContext);
  if (fields !== undefined) call.bindLog(fields);
}

/**
 * Runs the rest of the server pipeline in the request's context. Where that context is not the
 * active one afterwards (an SDK registered with no context manager, not by `startTracing`), the
 * ECS logger's mixin cannot see the span, so its ids are bound to `ctx.log` instead.
 */
function handle(handlerContext: OtelContext, call: ServerCall, next: Next): Promise<unknown> {
  if (context.active() !== handlerContext) bindTraceIds(call, handlerContext);
  return next();
}

function traceClient(startSpan: StartSpan, call: ClientCall, next: Next): Promise<unknown> {
  const parent = parentContext(call);
  const event = call.kind === 'event';
  const span = startSpan(
    event ? `publish ${call.name}` : rpcSpanName(call.ref, call),
    event ? SpanKind.PRODUCER : SpanKind.CLIENT,
    clientAttributes(call),
    parent,
  );
  const callContext = contextWithSpan(parent, span);
  propagation.inject(callContext, call.metadata, metadataSetter);
  // The transport's own I/O (undici, grpc-js, amqplib) is this span's: auto-instrumentations skip
  // it. With explicit propagation there are none (startTracing refuses them), so nothing to suppress.
  const sent = explicitContext() ? next() : context.with(suppressTracing(callContext), next);
  return settle(call, span, sent, true);
}

/**
 * The context a call continues: the calling handler's, kept in its `locals`; else the active one
 * (a span of the caller's own code); else a `traceparent` the caller put in the call's metadata
 * (a gateway forwarding its request's).
 */
function parentContext(call: ClientCall): OtelContext {
  const kept = call.parent?.locals[TRACE_CONTEXT] as OtelContext | undefined;
  if (kept !== undefined) return kept;
  const active = context.active();
  if (trace.getSpan(active) !== undefined || call.metadata.traceparent === undefined) return active;
  return propagation.extract(active, call.metadata, metadataGetter);
}

/** Ends `span` with the call's outcome once the result (or its stream) is complete. */
function settle(call: Call, span: Span, result: Promise<unknown>, own: boolean): Promise<unknown> {
  const streams =
    call.side === 'server'
      ? call.endpoint.kind === 'rpc' && hasOutputStream(call.endpoint.stream)
      : call.kind === 'rpc' && hasOutputStream(call.ref.stream);
  const end = (failure?: unknown) => {
    const code = codeOf(call, failure);
    const transport = call.transport;
    if (call.side === 'client') resolvedAttributes(span, call);
    const okStatus = call.side === 'server' ? ((call.endpoint as { http?: { status?: number } }).http?.status ?? 200) : 200;
    resultAttributes(span, transport, code, okStatus);
    if (code !== 'OK' && (call.side === 'client' || SERVER_FAULTS.has(code))) {
      const error = errorOf(call, failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? code });
      if (error !== undefined) span.recordException({ name: code, message: error.message } as Exception);
    }
    if (own) span.end();
  };
  return observeDone(result, streams, end);
}
