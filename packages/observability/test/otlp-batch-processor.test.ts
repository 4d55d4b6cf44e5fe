// OtlpBatchSpanProcessor: spans encoded 64 at a time as they end, sent to a loopback collector in
// requests of at most maxExportBatchSize spans; every span arrives, in bytes OpenTelemetry's own
// serializer would write for its chunk, by size, by timer, on forceFlush and on shutdown.
import http, { createServer, type IncomingMessage } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, diag, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed, setGlobalErrorHandler } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpBatchSpanProcessor } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';

interface Collector {
  readonly url: string;
  readonly bodies: Buffer[];
  status: number;
  close(): Promise<void>;
}

async function collector(): Promise<Collector> {
  const bodies: Buffer[] = [];
  const state = { status: 200 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.status === 200) bodies.push(Buffer.concat(chunks));
      res.writeHead(state.status, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as Collector;
}

// A protobuf reader just deep enough to count the spans of an ExportTraceServiceRequest:
// resource_spans (1) → scope_spans (2) → spans (2). Throws on bytes that are not a valid message.
function fields(bytes: Uint8Array): { field: number; body?: Uint8Array }[] {
  const out: { field: number; body?: Uint8Array }[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const b = bytes[at++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('a length past the end');
      out.push({ field: Math.floor(key / 8), body: bytes.subarray(at, at + length) });
      at += length;
      continue;
    } else throw new Error(`wire type ${wire}`);
    out.push({ field: Math.floor(key / 8) });
  }
  if (at !== bytes.length) throw new Error('a field past the end');
  return out;
}

function spanNames(request: Uint8Array): string[] {
  const names: string[] = [];
  for (const r of fields(request).filter((f) => f.field === 1)) {
    for (const s of fields(r.body as Uint8Array).filter((f) => f.field === 2)) {
      for (const span of fields(s.body as Uint8Array).filter((f) => f.field === 2)) {
        const name = fields(span.body as Uint8Array).find((f) => f.field === 5);
        names.push(Buffer.from(name?.body ?? []).toString());
      }
    }
  }
  return names;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** A provider whose spans go through the processor (and, for comparison, to an in-memory exporter). */
function tracerWith(processor: OtlpBatchSpanProcessor) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chunks' }),
    spanProcessors: [new SimpleSpanProcessor(memory), processor],
  });
  open.push(() => provider.shutdown());
  const tracer = provider.getTracer('test');
  return {
    memory,
    provider,
    end: (from: number, count: number) => {
      for (let i = from; i < from + count; i++) tracer.startSpan(`s${i}`, { attributes: { i } }).end();
    },
  };
}

const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `s${from + i}`);
const official = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);

describe('OtlpBatchSpanProcessor', () => {
  it('sends requests of maxExportBatchSize spans, each the chunks of 64 OpenTelemetry would encode, concatenated', async () => {
    const c = await collector();
    open.push(c.close);
    const { memory, end } = tracerWith(new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 60_000 }));
    end(0, 1100);
    await expect.poll(() => c.bodies.length, { timeout: 10_000 }).toBe(2);
    // 1,100 spans: two full requests of 512 sent by size; the last 76 wait for the timer or a flush.
    expect(c.bodies.map(spanNames)).toEqual([names(0, 512), names(512, 512)]);
    const spans = memory.getFinishedSpans();
    const expected = Buffer.concat(Array.from({ length: 8 }, (_, i) => official(spans.slice(i * 64, (i + 1) * 64))));
    expect(c.bodies[0]?.equals(expected)).toBe(true);
  });

  for (const [size, count, expected] of [
    [10, 35, [10, 10, 10, 5]],
    [100, 250, [100, 100, 50]],
    [1000, 2100, [992, 992, 116]],
  ] as const) {
    it(`keeps every request within a maxExportBatchSize of ${size} (chunks add up to it) and sends the rest on forceFlush`, async () => {
      const c = await collector();
      open.push(c.close);
      const processor = new OtlpBatchSpanProcessor({
        exporter: { url: c.url },
        maxExportBatchSize: size,
        maxQueueSize: 4096,
        scheduledDelayMillis: 60_000,
      });
      const { end } = tracerWith(processor);
      end(0, count);
      await processor.forceFlush();
      expect(c.bodies.map((b) => spanNames(b).length)).toEqual(expected);
      expect(c.bodies.flatMap(spanNames)).toEqual(names(0, count));
    });
  }

  it('sends a few spans by itself within scheduledDelayMillis and the chunk wait', async () => {
    const c = await collector();
    open.push(c.close);
    const { end } = tracerWith(new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 100 }));
    const started = Date.now();
    end(0, 3);
    await expect.poll(() => c.bodies.length, { timeout: 5_000, interval: 20 }).toBe(1);
    expect(spanNames(c.bodies[0] as Buffer)).toEqual(names(0, 3));
    // Encoded after at most 100 ms (the chunk wait is the shorter of 200 ms and the delay), sent 100 ms later.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('forceFlush resolves once the collector has the spans, and shutdown sends what is left', async () => {
    const c = await collector();
    open.push(c.close);
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 60_000 });
    const { end, provider } = tracerWith(processor);
    end(0, 70);
    await processor.forceFlush();
    expect(c.bodies.flatMap(spanNames)).toEqual(names(0, 70));
    end(70, 5);
    await provider.shutdown();
    expect(c.bodies.flatMap(spanNames)).toEqual(names(0, 75));
    // Spans ending after shutdown are dropped, not sent and not an error.
    end(75, 1);
    await processor.forceFlush();
    expect(c.bodies.flatMap(spanNames)).toHaveLength(75);
  });

  it('reports a refused request to the global error handler and sends later spans once the collector is back', async () => {
    const c = await collector();
    open.push(c.close);
    const errors: unknown[] = [];
    setGlobalErrorHandler((error) => errors.push(error));
    open.push(async () => setGlobalErrorHandler((error) => diag.error('', error)));
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 60_000 });
    const { end } = tracerWith(processor);
    c.status = 400;
    end(0, 10);
    await processor.forceFlush();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/Bad Request/);
    c.status = 200;
    end(10, 10);
    await processor.forceFlush();
    expect(c.bodies.flatMap(spanNames)).toEqual(names(10, 10));
  });

  it('sends its own requests with tracing suppressed, also when its timer sends them', async () => {
    const c = await collector();
    open.push(c.close);
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    open.push(async () => {
      context.disable();
      manager.disable();
    });
    const suppressed: boolean[] = [];
    const original = http.request;
    http.request = ((...args: Parameters<typeof http.request>) => {
      suppressed.push(isTracingSuppressed(context.active()));
      return original(...args);
    }) as typeof http.request;
    syncBuiltinESMExports();
    open.push(async () => {
      http.request = original;
      syncBuiltinESMExports();
    });
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 50 });
    const { end, provider } = tracerWith(processor);
    end(0, 512); // sent by size, from inside the processor's export
    end(512, 3); // sent by the timer
    await expect.poll(() => c.bodies.flatMap(spanNames).length, { timeout: 5_000, interval: 20 }).toBe(515);
    // Sent by a flush that the app's own code calls while one of its spans is active.
    const active = provider.getTracer('app').startSpan('handler');
    end(515, 3);
    await context.with(trace.setSpan(context.active(), active), () => processor.forceFlush());
    active.end();
    expect(c.bodies.flatMap(spanNames)).toHaveLength(518);
    expect(suppressed).toEqual([true, true, true]);
  });

  it('refuses options that are not positive, and ignores such OTEL_BSP_* values as the Node SDK does', async () => {
    expect(() => new OtlpBatchSpanProcessor({ maxExportBatchSize: 0 })).toThrow(
      'OtlpBatchSpanProcessor: maxExportBatchSize is 0; give a number above 0, or leave it out for OTEL_BSP_MAX_EXPORT_BATCH_SIZE or 512',
    );
    expect(() => new OtlpBatchSpanProcessor({ scheduledDelayMillis: Number.NaN })).toThrow(/scheduledDelayMillis is NaN/);
    const saved = process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
    process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE = '-1';
    open.push(async () => {
      if (saved === undefined) delete process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
      else process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE = saved;
    });
    const c = await collector();
    open.push(c.close);
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 60_000 });
    const { end } = tracerWith(processor);
    end(0, 600);
    await processor.forceFlush();
    expect(c.bodies.map((b) => spanNames(b).length)).toEqual([512, 88]);
    trace.disable();
  });
});
