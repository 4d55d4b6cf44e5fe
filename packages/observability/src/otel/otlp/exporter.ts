import { OTLPExporterBase, type OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import {
  type IExportTraceServiceResponse,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
} from '@opentelemetry/otlp-transformer';
import type { tracing } from '@opentelemetry/sdk-node';
import { encodeSpans } from './span-encoder.js';

type ReadableSpan = tracing.ReadableSpan;

/**
 * OTLP over HTTP/protobuf, as `@opentelemetry/exporter-trace-otlp-proto`'s `OTLPTraceExporter`
 * (the same options, `OTEL_EXPORTER_OTLP_*` variables, retries, timeouts, compression and
 * request bytes) with its spans encoded by Wharf in about half the time: the
 * serialisation is most of what a span costs a service that exports its traces.
 */
export class OtlpTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements tracing.SpanExporter {
  constructor(config: OTLPExporterNodeConfigBase = {}) {
    super(
      createOtlpHttpExportDelegate<ReadableSpan[], IExportTraceServiceResponse>(
        convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
        { serializeRequest: encodeSpans, deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data) },
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        config.selfObsMeterProvider,
      ),
    );
  }
}
