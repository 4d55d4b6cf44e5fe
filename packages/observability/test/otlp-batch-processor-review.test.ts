// Review of OtlpBatchSpanProcessor against BatchSpanProcessor + an OTLP exporter: small batches that
// ignored scheduledDelayMillis, a slow collector that got up to 30 requests at once (and refused
// spans as 'Concurrent export limit reached') where the SDK sends one batch at a time and bounds
// what waits by maxQueueSize, a chunk that waited for its resource through shutdown and was lost,
// a fractional batch size that froze the process, and a forceFlush that left kept spans unsent
// when another chunk failed to encode. Loopback collectors only; every test bounded.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { diag } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { OtlpBatchSpanProcessor } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';
import { spanNames, startCollector } from './otlp-collector.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function withCollector() {
  const c = await startCollector();
  cleanup.push(c.close);
  return Object.assign(c, { requests: () => c.bodies.map(spanNames) });
}

function traced(processor: OtlpBatchSpanProcessor, resource = resourceFromAttributes({ 'service.name': 'review' })) {
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  cleanup.push(() => provider.shutdown());
  const tracer = provider.getTracer('review');
  return {
    provider,
    end: (from: number, count: number) => {
      for (let i = from; i < from + count; i++) tracer.startSpan(`s${i}`).end();
    },
    tracer,
  };
}

function captureErrors(): unknown[] {
  const errors: unknown[] = [];
  setGlobalErrorHandler((error) => errors.push(error));
  cleanup.push(() => setGlobalErrorHandler((error) => diag.error('', error)));
  return errors;
}

describe('OtlpBatchSpanProcessor (review)', () => {
  it('keeps a few spans for scheduledDelayMillis also when maxExportBatchSize is 64 or less (was: a request every 0.2 s)', async () => {
    const c = await withCollector();
    const processor = new OtlpBatchSpanProcessor({
      exporter: { url: c.url },
      maxExportBatchSize: 10,
      scheduledDelayMillis: 60_000,
    });
    const { end } = traced(processor);
    // The SDK's processor with these options sends nothing before 10 spans or 60 s.
    end(0, 2);
    await sleep(300);
    end(2, 2);
    await sleep(300);
    expect(c.requests()).toEqual([]);
    // A full batch still goes at once, and requests never exceed it.
    end(4, 10);
    await expect.poll(() => c.requests().flat().length, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(10);
    await processor.forceFlush();
    expect(c.requests().flat()).toEqual(Array.from({ length: 14 }, (_, i) => `s${i}`));
    expect(Math.max(...c.requests().map((r) => r.length))).toBeLessThanOrEqual(10);
  });

  it('sends one request at a time to a slow collector and keeps at most maxQueueSize spans waiting (was: 30 at once, the rest refused)', async () => {
    const c = await withCollector();
    const errors = captureErrors();
    const processor = new OtlpBatchSpanProcessor({
      exporter: { url: c.url },
      maxExportBatchSize: 64,
      maxQueueSize: 256,
      scheduledDelayMillis: 60_000,
    });
    const { end } = traced(processor);
    c.hold();
    cleanup.push(() => c.release());
    // 40 batches' worth while the collector answers nothing.
    for (let i = 0; i < 40; i++) {
      end(i * 64, 64);
      await sleep(1);
    }
    await sleep(100);
    // BatchSpanProcessor exports one batch at a time: one request open, no concurrency-limit errors.
    expect(c.maxOpen()).toBe(1);
    expect(errors.map(String)).toEqual([]);
    c.release();
    await processor.forceFlush();
    // What waited is bounded as the SDK's queue is: the batch in flight and maxQueueSize more.
    const sent = c.requests().flat();
    expect(sent.length).toBe(64 + 256);
    expect(sent).toEqual(Array.from({ length: 320 }, (_, i) => `s${i}`));
  });

  it('sends a chunk that waited for its resource through shutdown (was: lost, as the exporter was closed)', async () => {
    const c = await withCollector();
    const resource = resourceFromAttributes({ 'service.name': 'review', 'cloud.region': sleep(400).then(() => 'eu') });
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 50 });
    const { provider, end } = traced(processor, resource);
    end(0, 1);
    // The SDK's timer hands the span over after 50 ms and waits for the resource's attributes.
    await sleep(150);
    await provider.shutdown();
    // BatchSpanProcessor + OTLPTraceExporter still sends it once the attributes are there.
    await expect.poll(() => c.requests().flat(), { timeout: 3_000, interval: 20 }).toEqual(['s0']);
  });

  it('sends kept spans on forceFlush even when another chunk fails to encode', async () => {
    const c = await withCollector();
    const processor = new OtlpBatchSpanProcessor({ exporter: { url: c.url }, scheduledDelayMillis: 60_000 });
    const { end, tracer } = traced(processor);
    end(0, 64); // a full chunk: encoded and kept at once
    tracer.startSpan(undefined as unknown as string).end(); // untyped code: a span without a name
    await processor.forceFlush().catch(() => {});
    expect(c.requests().flat()).toEqual(Array.from({ length: 64 }, (_, i) => `s${i}`));
  });

  it('does not freeze the process when OTEL_BSP_MAX_EXPORT_BATCH_SIZE is below 1 (was: chunks of 0 spans, an endless loop)', () => {
    const script = `
      import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
      import { OtlpBatchSpanProcessor } from '@wharf/observability/otel';
      const processor = new OtlpBatchSpanProcessor({ exporter: { url: 'http://127.0.0.1:9/v1/traces' } });
      const provider = new BasicTracerProvider({ spanProcessors: [processor] });
      setTimeout(() => { console.log('alive'); process.exit(0); }, 200);
      provider.getTracer('t').startSpan('s').end();
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '0.5' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('alive');
    expect(run.status).toBe(0);
  });
});
