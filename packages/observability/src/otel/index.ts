// The OpenTelemetry SDK, wired in one call: `startTracing()`. A separate entry point
// (@wharf/observability/otel) so that an app that does not trace never loads the SDK.
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';

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
  /** OpenTelemetry instrumentations to enable beside Wharf's own spans (http, grpc-js, amqplib, pg, …). */
  readonly instrumentations?: NodeSDKConfiguration['instrumentations'];
}

/** A started SDK: call `shutdown()` before exit so the last spans are sent. */
export interface Tracing {
  shutdown(): Promise<void>;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for traces: W3C trace context and baggage propagation, the
 * async-hooks context manager, a parent-based sampler and a batch OTLP/HTTP exporter. Metrics
 * stay with Prometheus (`/metrics`) and logs with stdout (ECS JSON): the SDK's own metric and log
 * exporters are off unless `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` turn them on. Call it
 * before creating the app (instrumentations patch modules as they load).
 */
export function startTracing(options: StartTracingOptions = {}): Tracing {
  const exporter =
    options.exporter ??
    (options.otlpEndpoint === undefined
      ? undefined
      : new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` }));
  const ratio = options.sampleRatio;
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    ...(options.spanProcessors !== undefined
      ? { spanProcessors: options.spanProcessors }
      : exporter !== undefined
        ? { spanProcessors: [new tracing.BatchSpanProcessor(exporter)] }
        : {}),
    ...(ratio === undefined
      ? {}
      : { sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(ratio) }) }),
    instrumentations: options.instrumentations ?? [],
    metricReaders: process.env.OTEL_METRICS_EXPORTER ? undefined : [],
    logRecordProcessors: process.env.OTEL_LOGS_EXPORTER ? undefined : [],
  });
  sdk.start();
  return {
    shutdown: () => sdk.shutdown(),
    flush: async () => {
      const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
      await provider.getDelegate?.().forceFlush?.();
    },
  };
}
