// Jaeger: a parent and a child span exported over OTLP/HTTP by the OpenTelemetry SDK arrive as
// one trace with the right parent, read back through Jaeger's query API.
import { randomBytes } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';

const available = await requireService('jaeger', 'the Jaeger smoke test');
const otlp = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://127.0.0.1:4318';

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
}

describe.skipIf(!available)('Jaeger (JAEGER_URL, OTLP on :4318)', () => {
  it('stores a two-span trace sent over OTLP and returns it by trace id', async () => {
    const service = `wharf-smoke-${randomBytes(3).toString('hex')}`;
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlp}/v1/traces` }))],
    });
    const tracer = provider.getTracer('smoke');
    const parent = tracer.startSpan('GET /v1/greetings');
    const child = tracer.startSpan('greeter.greet', {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    await provider.forceFlush();
    await provider.shutdown();

    const traceId = parent.spanContext().traceId;
    let spans: JaegerSpan[] = [];
    for (const until = Date.now() + 15_000; spans.length < 2 && Date.now() < until; ) {
      const response = await fetch(new URL(`/api/traces/${traceId}`, serviceUrl('jaeger')));
      if (response.ok) spans = ((await response.json()) as { data?: { spans: JaegerSpan[] }[] }).data?.[0]?.spans ?? [];
      if (spans.length < 2) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const byName = new Map(spans.map((s) => [s.operationName, s]));
    expect([...byName.keys()].sort()).toEqual(['GET /v1/greetings', 'greeter.greet']);
    expect(byName.get('greeter.greet')?.references).toEqual([
      expect.objectContaining({ refType: 'CHILD_OF', spanID: byName.get('GET /v1/greetings')?.spanID }),
    ]);
  });
});
