// Lean spans against the SDK's own, through the same SDK tracer, on the edges: a wall clock that
// moved, upper-case parent ids, exceptions with odd codes or empty messages.
import { type Exception, ROOT_CONTEXT, type Span, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { delegateOf, spanStarter } from '../src/tracing/fast-tracer.js';

let provider: BasicTracerProvider | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await provider?.shutdown();
  provider = undefined;
});

function setUp() {
  const exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = delegateOf(provider.getTracer('@wharf/observability', '1.0.0'));
  return { exporter, lean: spanStarter(tracer, true), sdk: spanStarter(tracer, false) };
}

/** The same operation on a lean span and on an SDK span; both exported spans. */
function both(op: (span: Span) => void, parent = ROOT_CONTEXT) {
  const start = setUp();
  for (const make of [start.lean, start.sdk]) {
    const span = make('a', SpanKind.SERVER, {}, parent);
    op(span);
    span.end();
  }
  const [lean, sdk] = start.exporter.getFinishedSpans() as ReadableSpan[];
  return { lean: lean as ReadableSpan, sdk: sdk as ReadableSpan };
}

describe('lean spans against the SDK', () => {
  it('recordException: an error whose code is null (child_process killed by a signal) gets its name as exception.type', () => {
    const killed = Object.assign(new Error('Command failed: sleep 10'), { code: null, signal: 'SIGTERM' });
    const { lean, sdk } = both((span) => span.recordException(killed as unknown as Exception));
    expect(sdk.events[0]?.attributes?.['exception.type']).toBe('Error');
    expect(lean.events[0]?.attributes?.['exception.type']).toBe(sdk.events[0]?.attributes?.['exception.type']);
  });

  it('recordException: an error whose code is 0 or empty gets its name as exception.type', () => {
    for (const code of [0, '']) {
      const error = { name: 'TypeError', message: 'bad', code } as unknown as Exception;
      const { lean, sdk } = both((span) => span.recordException(error));
      expect(lean.events.map((e) => e.attributes)).toEqual(sdk.events.map((e) => e.attributes));
    }
  });

  it('recordException: an empty message string records no event, as the SDK', () => {
    const { lean, sdk } = both((span) => span.recordException(''));
    expect(sdk.events).toHaveLength(0);
    expect(lean.events).toHaveLength(sdk.events.length);
  });

  it('continues a parent whose ids are upper-case hex (valid for the API, e.g. from B3 multi headers)', () => {
    const upper = { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331', traceFlags: TraceFlags.SAMPLED };
    expect(trace.isSpanContextValid(upper)).toBe(true);
    const parent = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(upper));
    const { lean, sdk } = both(() => {}, parent);
    expect(sdk.spanContext().traceId).toBe(upper.traceId);
    expect(sdk.parentSpanContext?.spanId).toBe(upper.spanId);
    expect(lean.spanContext().traceId).toBe(sdk.spanContext().traceId);
    expect(lean.parentSpanContext?.spanId).toBe(sdk.parentSpanContext?.spanId);
  });

  it('follows the wall clock after it moved (clock step, VM suspend) even when few spans were made since', () => {
    const start = setUp();
    start.lean('warm-up', SpanKind.SERVER, {}, ROOT_CONTEXT).end();
    // The wall clock is now an hour ahead of where the monotonic clock says (NTP step, or a
    // suspend that CLOCK_MONOTONIC does not count).
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000);
    const wall = Date.now();
    for (const make of [start.sdk, start.lean]) make('after the step', SpanKind.SERVER, {}, ROOT_CONTEXT).end();
    const [, sdk, lean] = start.exporter.getFinishedSpans() as ReadableSpan[];
    const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;
    expect(Math.abs(ms((sdk as ReadableSpan).startTime) - wall)).toBeLessThan(1000);
    expect(Math.abs(ms((lean as ReadableSpan).startTime) - wall)).toBeLessThan(1000);
  });
});
