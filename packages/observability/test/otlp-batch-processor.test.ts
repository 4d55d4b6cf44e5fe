// OtlpBatchSpanProcessor: spans encoded 64 at a time as they end, sent to a loopback collector in
// requests of at most maxExportBatchSize spans; every span arrives, in bytes OpenTelemetry's own
// serializer would write for its chunk, by size, by timer, on forceFlush and on shutdown.
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { context, diag, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed, setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpBatchSpanProcessor } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';
import { official } from './otlp-bytes.js';
import { type Collector, spanNames, startCollector } from './otlp-collector.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function collector(): Promise<Collector> {
  const c = await startCollector();
  open.push(c.close);
  return c;
}

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

describe('OtlpBatchSpanProcessor', () => {
  it('sends requests of maxExportBatchSize spans, each the chunks of 64 OpenTelemetry would encode, concatenated', async () => {
    const c = await collector();
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
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 60_000 });
    const { end } = tracerWith(processor);
    end(0, 600);
    await processor.forceFlush();
    expect(c.bodies.map((b) => spanNames(b).length)).toEqual([512, 88]);
    trace.disable();
  });
});
