// Spans as request bytes both ways: OpenTelemetry's ProtobufTraceSerializer, and Wharf's encoder,
// which the OTLP tests hold byte for byte equal.
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeSpans } from '../src/otel/otlp/span-encoder.js';

/** The ExportTraceServiceRequest OpenTelemetry's serializer writes for `spans`. */
export const official = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);

/** The ExportTraceServiceRequest Wharf's encoder writes for `spans`. */
export const ours = (spans: ReadableSpan[]) => Buffer.from(encodeSpans(spans));
