// Lean spans against the SDK's own, through the same SDK tracer, on the edges: a wall clock that
// moved, upper-case parent ids, exceptions with odd codes or empty messages, attribute count limits
// met by attributes from the start, a handler, a sampler and the end of the call.
import { type Exception, ROOT_CONTEXT, SamplingDecision, type Span, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import type { ReadableSpan, Sampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resultAttributes } from '../src/tracing/attributes.js';
import { shutDownStarters, spanStarters } from './span-starters.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await shutDownStarters();
});

function setUp(attributeCountLimit?: number, sampler?: Sampler) {
  return spanStarters({
    ...(attributeCountLimit === undefined ? {} : { spanLimits: { attributeCountLimit } }),
    ...(sampler === undefined ? {} : { sampler }),
  });
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

  it('keeps the attribute count limit when attributes come from the start, a handler and the end of the call', () => {
    // Under a limit of 128 Wharf's own attributes are not counted (see AMPLE in lean-span.ts): the
    // first attribute a handler sets counts them all, so the limit holds as in the SDK.
    for (const attributeCountLimit of [128, 40]) {
      const start = setUp(attributeCountLimit);
      const initial = { 'rpc.service': 'orders', 'rpc.method': 'place', 'wharf.transport': 'http' };
      for (const make of [start.lean, start.sdk]) {
        const span = make('orders/place', SpanKind.SERVER, { ...initial }, ROOT_CONTEXT);
        for (let i = 0; i < 150; i++) span.setAttribute(`app.${i}`, i);
        resultAttributes(span, 'http', 'OK');
        span.end();
      }
      const [lean, sdk] = start.exporter.getFinishedSpans() as ReadableSpan[];
      expect(Object.keys((lean as ReadableSpan).attributes)).toHaveLength(attributeCountLimit);
      expect((lean as ReadableSpan).attributes).toEqual((sdk as ReadableSpan).attributes);
      expect((lean as ReadableSpan).droppedAttributesCount).toBe((sdk as ReadableSpan).droppedAttributesCount);
    }
  });

  it('adds the end-of-call attributes uncounted, as the SDK would count them, when nothing else was set', () => {
    const start = setUp(128);
    for (const make of [start.lean, start.sdk]) {
      const span = make('orders/place', SpanKind.SERVER, { 'rpc.service': 'orders' }, ROOT_CONTEXT);
      resultAttributes(span, 'grpc', 'NOT_FOUND');
      span.end();
    }
    const [lean, sdk] = start.exporter.getFinishedSpans() as ReadableSpan[];
    expect((lean as ReadableSpan).attributes).toEqual({
      'rpc.service': 'orders',
      'wharf.code': 'NOT_FOUND',
      'error.type': 'NOT_FOUND',
      'rpc.grpc.status_code': 5,
    });
    expect((lean as ReadableSpan).attributes).toEqual((sdk as ReadableSpan).attributes);
  });

  it("puts a sampler's attributes under the count limit, and lets them win, as the SDK", () => {
    const sampler: Sampler = {
      shouldSample: () => ({
        decision: SamplingDecision.RECORD_AND_SAMPLED,
        attributes: { 'sampler.rule': 'audit', 'rpc.service': 'from-sampler', 'sampler.extra': 1 },
      }),
      toString: () => 'adds attributes',
    };
    for (const attributeCountLimit of [3, 128]) {
      const start = setUp(attributeCountLimit, sampler);
      for (const make of [start.lean, start.sdk]) {
        make('a', SpanKind.SERVER, { 'rpc.service': 'orders', 'rpc.method': 'place' }, ROOT_CONTEXT).end();
      }
      const [lean, sdk] = start.exporter.getFinishedSpans() as ReadableSpan[];
      expect((lean as ReadableSpan).attributes).toEqual((sdk as ReadableSpan).attributes);
      expect((lean as ReadableSpan).droppedAttributesCount).toBe((sdk as ReadableSpan).droppedAttributesCount);
    }
  });

  it('reads its times as the SDK: not ended, ended now, ended at a time given, ended before it started', () => {
    const start = setUp();
    const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;
    const open = start.lean('a', SpanKind.SERVER, {}, ROOT_CONTEXT) as unknown as ReadableSpan;
    expect(open.endTime).toEqual([0, 0]);
    expect(open.duration).toEqual([-1, -1]);
    expect(open.startTime).toBe(open.startTime); // made once, then the same array
    (open as unknown as Span).end();
    expect(open.endTime).toBe(open.endTime);
    expect(ms(open.endTime)).toBeGreaterThanOrEqual(ms(open.startTime));
    expect(ms(open.duration)).toBeCloseTo(ms(open.endTime) - ms(open.startTime), 3);

    // An end time before the start: warned and clamped to a zero duration, on both kinds of span.
    for (const make of [start.lean, start.sdk]) {
      const span = make('b', SpanKind.SERVER, {}, ROOT_CONTEXT);
      span.end(Date.now() - 60_000);
      const read = span as unknown as ReadableSpan;
      expect(read.duration).toEqual([0, 0]);
      expect(read.endTime).toEqual(read.startTime);
    }
    const exported = start.exporter.getFinishedSpans() as ReadableSpan[];
    expect(exported.map((s) => s.duration)).toEqual([open.duration, [0, 0], [0, 0]]);
  });
});
