// startTracing and the tracing middleware: restarting tracing in one process, a shutdown
// that fails, and propagators whose extract reads more than their fields() name.
import { context, propagation, trace } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { createApp, defineContract, implement, type Metadata } from '@wharf/core';
import { observability, traceContextOf } from '@wharf/observability';
import { startTracing } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

const echo = defineContract({
  name: 'echo',
  version: '1.0.0',
  methods: { look: { input: z.object({}), output: z.object({ seen: z.record(z.string(), z.string()) }) } },
});

const seen: { traceId?: string; tenant?: string } = {};

/** The app; `clientTraced: false` leaves the client pipeline untraced, so a call's metadata reaches the server as given. */
function app(clientTraced = true) {
  const obs = observability({ metrics: false, logs: false });
  return createApp({
    ...obs.app,
    middleware: clientTraced ? obs.app.middleware : { server: obs.app.middleware.server, client: [] },
    name: 'echo',
    logger: { level: 'silent' },
    shutdown: { signals: false },
    services: [
      implement(echo, {
        look: (_input, ctx) => {
          const kept = traceContextOf(ctx);
          seen.traceId = kept === undefined ? undefined : trace.getSpanContext(kept)?.traceId;
          seen.tenant = kept === undefined ? undefined : propagation.getBaggage(kept)?.getEntry('tenant')?.value;
          return { seen: { ...(ctx.metadata as Metadata) } };
        },
      }),
    ],
  });
}

const serverSpans = (exporter: InMemorySpanExporter): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.name === 'echo/look' && s.kind === 1);

const savedPropagators = process.env.OTEL_PROPAGATORS;
afterEach(() => {
  if (savedPropagators === undefined) delete process.env.OTEL_PROPAGATORS;
  else process.env.OTEL_PROPAGATORS = savedPropagators;
});

describe('startTracing, shutdown, startTracing again', () => {
  it.each(['explicit', 'async-local-storage'] as const)(
    'an app that lives across the restart traces into the second SDK (%s)',
    async (mode) => {
      const first = new InMemorySpanExporter();
      const second = new InMemorySpanExporter();
      const served = app();
      await served.start();
      try {
        const tracing1 = startTracing({ spanProcessors: [new SimpleSpanProcessor(first)], context: mode });
        await served.client(echo).look({});
        await tracing1.flush();
        const firstSpans = serverSpans(first); // before shutdown: the in-memory exporter's shutdown empties it
        await tracing1.shutdown();
        expect(firstSpans).toHaveLength(1);

        const tracing2 = startTracing({ spanProcessors: [new SimpleSpanProcessor(second)], context: mode });
        await served.client(echo).look({});
        await tracing2.flush();
        const secondSpans = serverSpans(second);
        await tracing2.shutdown();
        expect(secondSpans).toHaveLength(1);
      } finally {
        await served.stop();
      }
    },
  );

  it('a shutdown whose last export fails (collector gone) still releases the globals, so tracing can start again', async () => {
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: 1, error: new Error('collector unreachable') }),
      shutdown: async () => {},
    };
    const served = app();
    await served.start();
    try {
      const tracing1 = startTracing({ spanProcessors: [new BatchSpanProcessor(failing)] });
      await served.client(echo).look({});
      await tracing1.shutdown().catch(() => {}); // the app logs it and exits... or starts tracing again

      const exporter = new InMemorySpanExporter();
      const fresh = app();
      await fresh.start();
      const tracing2 = startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      await fresh.client(echo).look({});
      // (flush goes to the global provider: still the first SDK's, whose exporter fails)
      await tracing2.flush().catch(() => {});
      await fresh.stop();
      const spans = serverSpans(exporter);
      await tracing2.shutdown().catch(() => {});
      expect(spans).toHaveLength(1);
    } finally {
      await served.stop();
      trace.disable();
      propagation.disable();
      context.disable();
    }
  });
});

describe('propagators whose extract reads more than fields()', () => {
  const traceId = '463ac35c9f6413ad48485a3953bb6124';
  const spanId = '0020000000000001';

  async function serve(propagators: string, metadata: Record<string, string>) {
    process.env.OTEL_PROPAGATORS = propagators;
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const served = app(false);
    await served.start();
    seen.traceId = undefined;
    seen.tenant = undefined;
    let spans: ReadableSpan[];
    try {
      const { seen: arrived } = await served.client(echo).look({}, { metadata });
      // The carrier did reach the server's handler, as sent.
      for (const [key, value] of Object.entries(metadata)) expect(arrived[key]).toBe(value);
      await tracing.flush();
      spans = serverSpans(exporter);
    } finally {
      await served.stop();
      await tracing.shutdown();
    }
    return { spans };
  }

  it('b3multi: a request carrying the single b3 header continues its trace (B3Propagator extracts both formats)', async () => {
    // Control: the SDK's propagator reads it.
    process.env.OTEL_PROPAGATORS = 'b3multi';
    {
      const probe = startTracing({ spanProcessors: [] });
      const extracted = propagation.extract(context.active(), { b3: `${traceId}-${spanId}-1` });
      await probe.shutdown();
      expect(trace.getSpanContext(extracted)?.traceId).toBe(traceId);
    }
    const { spans } = await serve('b3multi', { b3: `${traceId}-${spanId}-1` });
    expect(spans[0]?.spanContext().traceId).toBe(traceId);
  });

  it('b3 (single): a request carrying the X-B3 multi headers continues its trace', async () => {
    const { spans } = await serve('b3', { 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' });
    expect(spans[0]?.spanContext().traceId).toBe(traceId);
  });

  it('jaeger: baggage sent as uberctx-* headers alone reaches the handler', async () => {
    await serve('jaeger', { 'uberctx-tenant': 'acme' });
    expect(seen.tenant).toBe('acme');
  });
});
