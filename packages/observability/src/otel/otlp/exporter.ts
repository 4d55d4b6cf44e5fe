import { OTLPExporterBase, type OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { type IExportTraceServiceResponse, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { tracing } from '@opentelemetry/sdk-node';
import { encodeSpans } from './span-encoder.js';

type ReadableSpan = tracing.ReadableSpan;

/**
 * @internal OpenTelemetry's OTLP/HTTP export delegate (options, `OTEL_EXPORTER_OTLP_TRACES_*`
 * variables, headers, compression, retries, timeout, concurrency limit, self-metrics) for
 * requests made of `T`: `serialize` turns one into the request's bytes, `countSpans` says how
 * many spans it carries (what the self-metrics count).
 */
export function otlpTraceDelegate<T>(
  config: OTLPExporterNodeConfigBase,
  serialize: (request: T) => Uint8Array,
  countSpans: (request: T) => number,
) {
  return createOtlpHttpExportDelegate<T, IExportTraceServiceResponse>(
    convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
    { serializeRequest: serialize, deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data) },
    'otlp_http_span_exporter',
    { name: 'span', countItems: countSpans },
    config.selfObsMeterProvider,
  );
}

const spanCount = (spans: ReadableSpan[]) => spans.length;

/**
 * OTLP over HTTP/protobuf, as `@opentelemetry/exporter-trace-otlp-proto`'s `OTLPTraceExporter`
 * (the same options, `OTEL_EXPORTER_OTLP_*` variables, retries, timeouts, compression and
 * request bytes) with its spans encoded by Wharf in about half the time: the
 * serialisation is most of what a span costs a service that exports its traces.
 */
export class OtlpTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements tracing.SpanExporter {
  constructor(config: OTLPExporterNodeConfigBase = {}) {
    super(otlpTraceDelegate(config, encodeSpans, spanCount));
  }
}
