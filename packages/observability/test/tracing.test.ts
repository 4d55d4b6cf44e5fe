// The tracing middleware in one process: parent-based sampling, baggage, what a handler's own
// spans and calls continue, ctx.locals, and nothing at all while no SDK is registered; under
// both context modes (explicit, the default, and async-local-storage).
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createApp, defineContract, implement, type Metadata } from '@wharf/core';
import { observability, spanOf, traceContextOf } from '@wharf/observability';
import { startTracing, type TraceContextMode } from '@wharf/observability/otel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

const echo = defineContract({
  name: 'echo',
  version: '1.0.0',
  methods: {
    relay: { input: z.object({}), output: z.object({ seen: z.record(z.string(), z.string()) }) },
    look: { input: z.object({}), output: z.object({ seen: z.record(z.string(), z.string()) }) },
  },
});

const seen: Record<string, unknown> = {};

function app() {
  const obs = observability({ metrics: false, logs: false });
  return createApp({
    ...obs.app,
    name: 'echo',
    logger: { level: 'silent' },
    shutdown: { signals: false },
    services: [
      implement(echo, {
        async relay(_input, ctx) {
          seen.handlerSpan = spanOf(ctx)?.spanContext().spanId;
          seen.activeSpan = trace.getSpan(context.active())?.spanContext().spanId;
          seen.activeBaggage = propagation.getBaggage(context.active())?.getEntry('tenant')?.value;
          seen.baggage = propagation.getBaggage(traceContextOf(ctx) ?? context.active())?.getEntry('tenant')?.value;
          // Spans of the handler's own, under the server span: one made active by the context
          // manager (async-local-storage only), one given the handler's context as its parent.
          trace.getTracer('user').startActiveSpan('user work', (span) => span.end());
          trace.getTracer('user').startSpan('explicit work', undefined, traceContextOf(ctx)).end();
          return ctx.client(echo).look({});
        },
        look: (_input, ctx) => ({ seen: { ...(ctx.metadata as Metadata) } }),
      }),
    ],
  });
}

describe('before any SDK is registered', () => {
  it('adds nothing and passes the caller trace context through untouched', async () => {
    const untraced = app();
    await untraced.start();
    const traceparent = '00-11111111111111111111111111111111-2222222222222222-01';
    const { seen: downstream } = await untraced.client(echo).relay({}, { metadata: { traceparent } });
    expect(downstream.traceparent).toBe(traceparent);
    expect(seen.handlerSpan).toBeUndefined();
    await untraced.stop();
  });
});

describe.each<TraceContextMode>(['explicit', 'async-local-storage'])('with the SDK, %s context', (mode) => {
  const exporter = new InMemorySpanExporter();
  let tracing: { shutdown(): Promise<void>; flush(): Promise<void> };
  // The SDK exports once the resource's detected attributes are in: flush before reading.
  const finished = async () => {
    await tracing.flush();
    return exporter.getFinishedSpans();
  };
  let traced: ReturnType<typeof app>;
  beforeAll(async () => {
    tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)], context: mode });
    traced = app();
    await traced.start();
  });
  afterAll(async () => {
    await traced.stop();
    await tracing.shutdown();
  });

  it('continues the caller trace through the handler, its own spans and its calls, with baggage', async () => {
    exporter.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { seen: downstream } = await traced
      .client(echo)
      .relay({}, { metadata: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, baggage: 'tenant=acme' } });
    const spans = await finished();
    const relayServer = spans.find((s) => s.name === 'echo/relay' && s.kind === SpanKind.SERVER);
    const lookClient = spans.find((s) => s.name === 'echo/look' && s.kind === SpanKind.CLIENT);
    const user = spans.find((s) => s.name === 'user work');
    const explicit = spans.find((s) => s.name === 'explicit work');
    const serverSpanId = relayServer?.spanContext().spanId;
    expect(relayServer?.spanContext().traceId).toBe(traceId);
    expect(seen.handlerSpan).toBe(serverSpanId);
    expect(seen.baggage).toBe('acme');
    expect(explicit?.parentSpanContext?.spanId).toBe(serverSpanId);
    if (mode === 'async-local-storage') {
      expect(seen.activeSpan).toBe(serverSpanId);
      expect(seen.activeBaggage).toBe('acme');
      expect(user?.parentSpanContext?.spanId).toBe(serverSpanId);
    } else {
      // Nothing is active: an active-span API starts a new trace, which is why traceContextOf exists.
      expect(seen.activeSpan).toBeUndefined();
      expect(user?.parentSpanContext).toBeUndefined();
    }
    expect(lookClient?.parentSpanContext?.spanId).toBe(relayServer?.spanContext().spanId);
    // What went downstream: this call's own span as the parent, the baggage kept.
    expect(downstream.traceparent).toBe(`00-${traceId}-${lookClient?.spanContext().spanId}-01`);
    expect(downstream.baggage).toBe('tenant=acme');
  });

  it('follows a caller that did not sample: no spans recorded, the decision passed on', async () => {
    exporter.reset();
    const traceId = '1af7651916cd43dd8448eb211c80319c';
    const { seen: downstream } = await traced
      .client(echo)
      .relay({}, { metadata: { traceparent: `00-${traceId}-b7ad6b7169203331-00` } });
    expect((await finished()).filter((s) => s.spanContext().traceId === traceId)).toEqual([]);
    expect(downstream.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
  });

  it('starts a new trace for a call with no caller context', async () => {
    exporter.reset();
    await traced.client(echo).look({});
    const spans = await finished();
    const client = spans.find((s) => s.name === 'echo/look' && s.kind === SpanKind.CLIENT);
    const server = spans.find((s) => s.name === 'echo/look' && s.kind === SpanKind.SERVER);
    expect(client?.parentSpanContext).toBeUndefined();
    expect(server?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(server?.attributes['wharf.transport']).toBe('memory');
  });
});
