// The OpenTelemetry SDK, wired in one call: `startTracing()`. A separate entry point
// (@wharf/observability/otel) so that an app that does not trace never loads the SDK.
import { context, propagation, trace } from '@opentelemetry/api';
import { getBooleanFromEnv } from '@opentelemetry/core';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { setExplicitContext } from '../tracing/propagation-state.js';
import { OtlpBatchSpanProcessor } from './otlp/batch-processor.js';
import { OtlpTraceExporter } from './otlp/exporter.js';

export { OtlpBatchSpanProcessor, type OtlpBatchSpanProcessorOptions } from './otlp/batch-processor.js';
export { OtlpTraceExporter } from './otlp/exporter.js';

/** Options of `startTracing`; each falls back to the standard `OTEL_*` environment variable. */
export interface StartTracingOptions {
  /** `service.name` of every span; default `OTEL_SERVICE_NAME`. */
  readonly serviceName?: string;
  /**
   * Where spans go over OTLP/HTTP, e.g. `http://127.0.0.1:4318` (`/v1/traces` is added); default
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://localhost:4318`.
   */
  readonly otlpEndpoint?: string;
  /**
   * Fraction of new traces to sample; a request arriving with a `traceparent` follows its
   * caller's decision (parent-based). Default `OTEL_TRACES_SAMPLER`(`_ARG`), else every trace.
   */
  readonly sampleRatio?: number;
  /** Replace the OTLP exporter (a test's in-memory exporter). Spans are batched either way. */
  readonly exporter?: tracing.SpanExporter;
  /** Span processors instead of the batch processor (e.g. `SimpleSpanProcessor` in tests). */
  readonly spanProcessors?: tracing.SpanProcessor[];
  /**
   * OpenTelemetry instrumentations to enable beside Wharf's own spans (http, grpc-js, amqplib, pg, …).
   * They find their parent span through the active context, so they bring the
   * `async-local-storage` context with them.
   */
  readonly instrumentations?: NodeSDKConfiguration['instrumentations'];
  /**
   * How a span's context follows the code. `explicit`: Wharf carries it in `ctx` from a request
   * to the calls its handler makes and to `ctx.log`, and nothing is "active"; spans of a
   * handler's own take `traceContextOf(ctx)` as their parent. `async-local-storage`:
   * OpenTelemetry's context manager also makes the handler's span the active one, for code that
   * calls `trace.getActiveSpan()` and for instrumentations, at a cost on Node 20 of an async hook
   * on every promise in the process (about half an HTTP request's CPU again; Node 24 does not
   * pay it). Default `WHARF_TRACE_CONTEXT`, else `async-local-storage` with instrumentations and
   * `explicit` without.
   */
  readonly context?: TraceContextMode;
}

/** How the active trace context is propagated: see `StartTracingOptions.context`. */
export type TraceContextMode = 'explicit' | 'async-local-storage';

const MODES: readonly TraceContextMode[] = ['explicit', 'async-local-storage'];

/** The mode asked for, checked against the instrumentations (which cannot work without the active context). */
function contextMode(options: StartTracingOptions): TraceContextMode {
  const instrumented = (options.instrumentations ?? []).flat().length > 0;
  const fromEnv = process.env.WHARF_TRACE_CONTEXT || undefined;
  if (fromEnv !== undefined && !MODES.includes(fromEnv as TraceContextMode))
    throw new Error(`WHARF_TRACE_CONTEXT is "${fromEnv}"; set it to ${MODES.join(' or ')}, or unset it`);
  const mode = options.context ?? (fromEnv as TraceContextMode | undefined);
  if (mode === 'explicit' && instrumented)
    throw new Error(
      "startTracing: instrumentations find their parent span through the active context, which context: 'explicit' does not keep; drop one of the two (with instrumentations the default is 'async-local-storage')",
    );
  return mode ?? (instrumented ? 'async-local-storage' : 'explicit');
}

/**
 * What replaces the SDK's default exporter, OTLP over HTTP/protobuf (endpoint, headers and the rest
 * from `OTEL_EXPORTER_OTLP_*`, batching from `OTEL_BSP_*`): Wharf's `OtlpBatchSpanProcessor`; or,
 * with `OTEL_NODE_EXPERIMENTAL_SDK_METRICS` on (processor metrics only the SDK's own batch
 * processor records), Wharf's `OtlpTraceExporter` batched by the SDK. Nothing for any other
 * `OTEL_TRACES_EXPORTER` or protocol, which the SDK then sets up itself.
 */
function otlpFromEnv(): Partial<Pick<NodeSDKConfiguration, 'spanProcessors' | 'traceExporter'>> {
  const named = (process.env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'null');
  const protocol = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || process.env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  const otlp = named.length === 0 || (named.length === 1 && named[0] === 'otlp');
  if (!otlp || protocol !== 'http/protobuf') return {};
  if (getBooleanFromEnv('OTEL_NODE_EXPERIMENTAL_SDK_METRICS')) return { traceExporter: new OtlpTraceExporter() };
  return { spanProcessors: [new OtlpBatchSpanProcessor()] };
}

/** A started SDK: call `shutdown()` before exit so the last spans are sent (tracing may then be started again). */
export interface Tracing {
  shutdown(): Promise<void>;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for traces: W3C trace context and baggage propagation, a
 * parent-based sampler, a batch OTLP/HTTP exporter and the context propagation of `context`. Metrics
 * stay with Prometheus (`/metrics`) and logs with stdout (ECS JSON): the SDK's own metric and log
 * exporters are off unless `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` turn them on. Call it
 * before creating the app (instrumentations patch modules as they load).
 */
export function startTracing(options: StartTracingOptions = {}): Tracing {
  const processors =
    options.spanProcessors ??
    (options.exporter !== undefined
      ? [new tracing.BatchSpanProcessor(options.exporter)]
      : options.otlpEndpoint !== undefined
        ? [new OtlpBatchSpanProcessor({ exporter: { url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` } })]
        : undefined);
  const ratio = options.sampleRatio;
  const mode = contextMode(options);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // null: register no context manager (the SDK's default is the AsyncLocalStorage one).
    ...(mode === 'explicit' ? { contextManager: null as never } : {}),
    ...(processors !== undefined ? { spanProcessors: processors } : otlpFromEnv()),
    ...(ratio === undefined
      ? {}
      : { sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(ratio) }) }),
    instrumentations: options.instrumentations ?? [],
    metricReaders: process.env.OTEL_METRICS_EXPORTER ? undefined : [],
    logRecordProcessors: process.env.OTEL_LOGS_EXPORTER ? undefined : [],
  });
  sdk.start();
  setExplicitContext(mode === 'explicit');
  return {
    shutdown: async () => {
      try {
        await sdk.shutdown();
      } finally {
        // The SDK leaves its globals registered, and the API refuses a second registration:
        // release them, even when the last export failed, so tracing can be started again.
        trace.disable();
        propagation.disable();
        setExplicitContext(false);
        if (mode === 'async-local-storage') context.disable();
      }
    },
    flush: async () => {
      const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
      await provider.getDelegate?.().forceFlush?.();
    },
  };
}
