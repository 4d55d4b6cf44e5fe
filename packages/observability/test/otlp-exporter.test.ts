// Wharf's OTLP span encoding and exporter: the same bytes as OpenTelemetry's own serializer for
// every kind of span content, and the same HTTP request to a collector.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpTraceExporter } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';
import { official, ours } from './otlp-bytes.js';
import { shutDownStarters, spanStarters } from './span-starters.js';

afterEach(shutDownStarters);

/** Every attribute value type the API allows, with the edges of each. */
const EVERY_VALUE: Attributes = {
  ascii: 'greeter.Greeter',
  empty: '',
  unicode: 'Grüße, 日本 🚀',
  yes: true,
  no: false,
  zero: 0,
  small: 42,
  negative: -7,
  large: 2 ** 40 + 3,
  min: Number.MIN_SAFE_INTEGER,
  fraction: 3.25,
  tiny: -1e-300,
  strings: ['a', 'ü', ''],
  numbers: [1, -2, 2.5],
  flags: [true, false],
  holes: ['x', null, undefined] as unknown as string[],
};

function provider(name: string, attributes: Attributes = {}) {
  const exporter = new InMemorySpanExporter();
  const p = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name, ...attributes }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, p };
}

describe('encodeSpans', () => {
  it('writes the bytes ProtobufTraceSerializer writes, for spans with everything a span can carry', async () => {
    const a = provider('orders', { 'service.version': '1.2.3' });
    const b = provider('payments');
    const tracer = a.p.getTracer('@wharf/observability', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
    const other = a.p.getTracer('custom');
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=a,other=b'),
    });
    const server = tracer.startSpan('orders/Place', { kind: SpanKind.SERVER, attributes: EVERY_VALUE }, remote);
    const inner = trace.setSpan(ROOT_CONTEXT, server);
    for (const kind of [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
      const child = other.startSpan(`child ${kind}`, { kind }, inner);
      child.addEvent('retry', { attempt: 2, ünï: 'çödé' }, [1_700_000_000, 999_999_999]);
      child.addEvent('bare');
      child.addLink({ context: server.spanContext(), attributes: { why: 'follows' } });
      child.addLink({ context: trace.getSpanContext(remote) as SpanContext });
      child.setStatus(kind === SpanKind.CLIENT ? { code: SpanStatusCode.ERROR, message: 'échec' } : { code: SpanStatusCode.OK });
      child.recordException(new Error('boom'));
      child.end([4_102_444_800, 123_456_789]); // 2100: seconds × 10⁹ far past 2⁵³
    }
    server.setAttribute('long', 'x'.repeat(20_000)); // lengths of 3 bytes, nested three deep
    server.end();
    b.p.getTracer('payments').startSpan('charge').end();
    const spans = [...a.exporter.getFinishedSpans(), ...b.exporter.getFinishedSpans()];
    expect(spans).toHaveLength(6);
    expect(ours(spans).equals(official(spans))).toBe(true);
    // Order is kept when resources and scopes interleave.
    const shuffled = [spans[5], spans[0], spans[4], spans[1]] as ReadableSpan[];
    expect(ours(shuffled).equals(official(shuffled))).toBe(true);
    await Promise.all([a.p.shutdown(), b.p.shutdown()]);
  });

  it("writes the same bytes for Wharf's lean spans as the serializer does", () => {
    const { exporter, lean } = spanStarters();
    for (let i = 0; i < 600; i++) {
      const span = lean(
        'greeter.Greeter/Greet',
        SpanKind.SERVER,
        { 'rpc.system': 'wharf', 'rpc.method': 'Greet', i },
        ROOT_CONTEXT,
      );
      (span as Span).setAttribute('http.response.status_code', 200);
      span.end();
    }
    const spans = exporter.getFinishedSpans();
    expect(ours(spans).equals(official(spans))).toBe(true); // > 16 KB: the request's length moves its bytes
    expect(ours([]).equals(official([]))).toBe(true);
  });

  it('writes values the API does not make (a kvlist, bytes) as the serializer does', () => {
    const { exporter, tracer } = spanStarters();
    tracer.startSpan('x').end();
    const [base] = exporter.getFinishedSpans() as [ReadableSpan];
    const odd = {
      name: base.name,
      kind: base.kind,
      spanContext: () => base.spanContext(),
      parentSpanContext: undefined,
      startTime: base.startTime,
      endTime: base.endTime,
      duration: base.duration,
      status: { code: SpanStatusCode.UNSET },
      attributes: { map: { a: 1, b: ['c'], d: { e: true } }, raw: new Uint8Array([0, 255, 7]), none: undefined },
      links: [],
      events: [],
      ended: true,
      resource: base.resource,
      instrumentationScope: base.instrumentationScope,
      droppedAttributesCount: 3,
      droppedEventsCount: 1,
      droppedLinksCount: 200,
    } as unknown as ReadableSpan;
    expect(ours([odd]).equals(official([odd]))).toBe(true);
  });

  it('writes a name or status message that untyped code made a number as OpenTelemetry does (an empty string)', () => {
    const { exporter, p } = provider('odd-names');
    const t = p.getTracer('t');
    const span = t.startSpan(123 as unknown as string);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 42 as unknown as string });
    span.end();
    t.startSpan('fine').end();
    const spans = exporter.getFinishedSpans();
    expect(ours(spans).equals(official(spans))).toBe(true);
  });
});

describe('OtlpTraceExporter', () => {
  it('posts the protobuf request to /v1/traces of a collector, and reports a refusal as a failure', async () => {
    const requests: { url?: string; type?: string; body: Buffer }[] = [];
    let status = 200;
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ url: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.writeHead(status, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as AddressInfo).port;
    const exporter = new OtlpTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` });
    try {
      const { exporter: memory, lean } = spanStarters();
      context.with(ROOT_CONTEXT, () => lean('a/b', SpanKind.SERVER, { k: 'v' }, ROOT_CONTEXT).end());
      const spans = memory.getFinishedSpans();
      const exported = (s: ReadableSpan[]) =>
        new Promise<{ code: ExportResultCode; error?: Error }>((resolve) => exporter.export(s, resolve));
      expect((await exported(spans)).code).toBe(ExportResultCode.SUCCESS);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.url).toBe('/v1/traces');
      expect(requests[0]?.type).toBe('application/x-protobuf');
      expect(requests[0]?.body.equals(official(spans))).toBe(true);
      status = 400;
      const refused = await exported(spans);
      expect(refused.code).toBe(ExportResultCode.FAILED);
      expect(String(refused.error)).toMatch(/Bad Request/);
    } finally {
      await exporter.shutdown();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
