// The trace ids on a handler's ECS log lines under both context modes, and with an SDK registered
// by hand without a context manager: with explicit propagation the tracing middleware binds them
// to ctx.log, with async-local-storage the logger's mixin reads the active span; either way every
// line carries them once, also when another library registered a context manager. And
// startTracing's mode checks.
import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createApp, defineContract, implement } from '@wharf/core';
import { observability, traceContextOf } from '@wharf/observability';
import { startTracing, type TraceContextMode } from '@wharf/observability/otel';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { capture } from './capture.js';

const notes = defineContract({
  name: 'notes',
  version: '1.0.0',
  methods: { add: { input: z.object({ text: z.string() }), output: z.object({ id: z.int() }) } },
});

/** An SDK registered by hand, with no context manager: the middleware finds out by probing the context. */
function byHand(exporter: InMemorySpanExporter): { flush(): Promise<void>; shutdown(): Promise<void> } {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    },
  };
}

describe.each<TraceContextMode | 'hand-registered'>(['explicit', 'async-local-storage', 'hand-registered'])(
  'trace ids on log lines, %s context',
  (mode) => {
    it("puts the request's trace, span and transaction ids on every line, once", async () => {
      const exporter = new InMemorySpanExporter();
      const tracing =
        mode === 'hand-registered'
          ? byHand(exporter)
          : startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)], context: mode });
      const { stream, raw } = capture();
      const obs = observability({ metrics: false, logs: { destination: stream, level: 'debug' } });
      const app = createApp({
        ...obs.app,
        name: 'notes',
        shutdown: { signals: false },
        services: [
          implement(notes, {
            async add(_input, ctx) {
              ctx.log.info('before the await');
              await sleep(1);
              ctx.log.info('after the await');
              return { id: 1 };
            },
          }),
        ],
      });
      await app.start();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await app.client(notes).add({ text: 'x' }, { metadata: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      await app.stop();
      await tracing.flush();
      const server = exporter.getFinishedSpans().find((s) => s.name === 'notes/add' && s.kind === 1);
      await tracing.shutdown();

      const serverSpanId = server?.spanContext().spanId;
      expect(serverSpanId).toMatch(/^[0-9a-f]{16}$/);
      for (const message of ['before the await', 'after the await']) {
        const line = raw.find((l) => l.includes(`"${message}"`)) as string;
        expect(JSON.parse(line)).toMatchObject({ 'trace.id': traceId, 'span.id': serverSpanId, 'transaction.id': serverSpanId });
        for (const key of ['"trace.id"', '"span.id"', '"transaction.id"']) expect(line.split(key).length - 1).toBe(1);
      }
      // The request's own log line (core's requestLog) is written inside the request too.
      const requestLine = raw.find((l) => l.includes('"wharf.code":"OK"')) as string;
      expect(JSON.parse(requestLine)).toMatchObject({ 'trace.id': traceId, 'transaction.id': serverSpanId });
      expect(requestLine.split('"trace.id"').length - 1).toBe(1);
    });
  },
);

describe('trace ids once per line', () => {
  it('explicit startTracing with a context manager registered by someone else', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)], context: 'explicit' });
    const { stream, raw } = capture();
    const obs = observability({ metrics: false, logs: { destination: stream } });
    const app = createApp({
      ...obs.app,
      name: 'notes',
      shutdown: { signals: false },
      services: [
        implement(notes, {
          add(_input, ctx) {
            // A span of the handler's own, made active (the manager is there), then a log line in it.
            trace.getTracer('user').startActiveSpan('own work', {}, traceContextOf(ctx) ?? context.active(), (span) => {
              ctx.log.info('inside own span');
              span.end();
            });
            return { id: 1 };
          },
        }),
      ],
    });
    try {
      await app.start();
      await app.client(notes).add({ text: 'x' });
      await app.stop();
    } finally {
      await tracing.shutdown();
      context.disable();
    }
    const line = raw.find((l) => l.includes('"inside own span"')) as string;
    expect(line).toBeDefined();
    for (const key of ['"trace.id"', '"span.id"', '"transaction.id"']) expect(line.split(key).length - 1, line).toBe(1);
  });
});

describe('startTracing context mode', () => {
  const saved = process.env.WHARF_TRACE_CONTEXT;
  afterEach(() => {
    if (saved === undefined) delete process.env.WHARF_TRACE_CONTEXT;
    else process.env.WHARF_TRACE_CONTEXT = saved;
  });

  it('refuses explicit propagation with instrumentations, which need the active context', () => {
    const http = new HttpInstrumentation({ enabled: false });
    expect(() => startTracing({ context: 'explicit', instrumentations: [http] })).toThrow(
      /instrumentations find their parent span through the active context.*drop one of the two/,
    );
  });

  it('refuses an unknown WHARF_TRACE_CONTEXT, naming the values it takes', () => {
    process.env.WHARF_TRACE_CONTEXT = 'thread-local';
    expect(() => startTracing()).toThrow('WHARF_TRACE_CONTEXT is "thread-local"; set it to explicit or async-local-storage');
  });
});
