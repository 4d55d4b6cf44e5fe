// Review of the one-pass OTLP encoder: inputs the SDK accepts where encodeSpans once wrote other
// bytes than OpenTelemetry's ProtobufTraceSerializer, and the shared writer used from inside an
// encoding.
import {
  type ProxyTracerProvider,
  type SpanContext,
  type SpanKind,
  TraceFlags,
  type TraceState,
  trace,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpBatchSpanProcessor, OtlpTraceExporter, startTracing } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';
import { official, ours } from './otlp-bytes.js';

function tracer() {
  const exporter = new InMemorySpanExporter();
  const p = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'review' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, tracer: p.getTracer('review') };
}

const CONTEXT: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

describe('encodeSpans, against ProtobufTraceSerializer', () => {
  it('writes times before 1970, with a fraction of a second, or past 2^48 s as the serializer does', () => {
    const { exporter, tracer: t } = tracer();
    t.startSpan('pre-1970', { startTime: new Date(-1500) }).end(new Date(-1500));
    for (const time of [
      [1.5, 0],
      [-1, 0],
      [0, -1],
      [2 ** 48, 1],
    ] as [number, number][]) {
      const span = t.startSpan('hrtime', { startTime: time });
      span.addEvent('e', time);
      span.end(time);
    }
    for (const span of exporter.getFinishedSpans()) expect(ours([span]).equals(official([span]))).toBe(true);
  });

  it('writes kinds and status codes outside the enums as the serializer does (kind -1 is not written; 64-bit varints)', () => {
    const { exporter, tracer: t } = tracer();
    for (const kind of [-1, -2, 2 ** 32]) t.startSpan('kind', { kind: kind as SpanKind }).end();
    for (const code of [-1, 2 ** 32, 2 ** 33]) {
      const span = t.startSpan('status');
      span.setStatus({ code: code as never });
      span.end();
    }
    for (const span of exporter.getFinishedSpans()) expect(ours([span]).equals(official([span]))).toBe(true);
  });

  it('writes link ids that are not hex as hexToBinary does', () => {
    const { exporter, tracer: t } = tracer();
    for (const id of ['zz', 'gggggggggggggggg', 'é123456789abcdef', ' 123456789abcdef']) {
      const span = t.startSpan('link');
      span.addLink({ context: { traceId: id + id, spanId: id, traceFlags: TraceFlags.SAMPLED } });
      span.end();
    }
    for (const span of exporter.getFinishedSpans()) expect(ours([span]).equals(official([span]))).toBe(true);
  });

  it('is not corrupted by an encoding started from inside it (a TraceState whose serialize encodes)', () => {
    const { exporter, tracer: t } = tracer();
    t.startSpan('other', { attributes: { a: 'x'.repeat(300) } }).end();
    const [other] = exporter.getFinishedSpans() as [ReadableSpan];
    let inner: Buffer | undefined;
    const state = {
      serialize: () => {
        inner = ours([other]);
        return 'k=v';
      },
      set: () => state,
      unset: () => state,
      get: () => undefined,
    } as unknown as TraceState;
    const span = t.startSpan('outer');
    span.addLink({ context: { ...CONTEXT, traceState: state } });
    span.end();
    const outer = exporter.getFinishedSpans()[1] as ReadableSpan;
    const got = ours([outer]);
    expect(inner?.equals(official([other]))).toBe(true);
    expect(got.equals(official([outer]))).toBe(true);
  });
});

describe('startTracing with the environment default exporter', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  const processorOf = () => {
    type Internals = { _activeSpanProcessor: { _spanProcessors: Record<string, unknown>[] } };
    const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as unknown as Internals;
    return provider._activeSpanProcessor._spanProcessors;
  };

  it('batches as the SDK did: OTEL_BSP_* of 0 or below are ignored (was: an export timeout of 0 ms)', async () => {
    process.env.OTEL_BSP_EXPORT_TIMEOUT = '0';
    process.env.OTEL_BSP_SCHEDULE_DELAY = '-5';
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = 'http://127.0.0.1:9/v1/traces';
    const tracing = startTracing();
    try {
      const [processor, ...more] = processorOf();
      expect(more).toEqual([]);
      expect(processor).toBeInstanceOf(OtlpBatchSpanProcessor);
      expect(processor?._exportTimeoutMillis).toBe(30_000);
      // Spans wait at most 200 ms to be encoded: the default delay of 5 s was kept, not -5.
      expect(processor?._scheduledDelayMillis).toBe(200);
    } finally {
      await tracing.shutdown();
    }
  });

  it("leaves the batching of Wharf's exporter to the SDK's own processor when its experimental self-metrics are on", async () => {
    process.env.OTEL_NODE_EXPERIMENTAL_SDK_METRICS = 'true';
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = 'http://127.0.0.1:9/v1/traces';
    const tracing = startTracing();
    try {
      const [processor] = processorOf();
      expect(processor).not.toBeInstanceOf(OtlpBatchSpanProcessor);
      expect(processor?._exporter).toBeInstanceOf(OtlpTraceExporter);
    } finally {
      await tracing.shutdown();
    }
  });
});
