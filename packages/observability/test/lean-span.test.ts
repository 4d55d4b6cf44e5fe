// Wharf's lean spans against the SDK's own: the same operations on each, through the same SDK
// tracer (sampler, id generator, limits, processor), must export the same span — under default and
// tight limits, with every sampling decision, with events, links, statuses and explicit times.
import {
  type Attributes,
  type Context as OtelContext,
  ROOT_CONTEXT,
  SamplingDecision,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import type { ReadableSpan, Sampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { LeanSpan } from '../src/tracing/lean-span.js';
import { shutDownStarters, spanStarters } from './span-starters.js';

afterEach(shutDownStarters);

const setUp = spanStarters;

/** A span's exported fields that do not depend on ids or the clock. */
function shape(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes, dropped: e.droppedAttributesCount })),
    links: span.links,
    parent: span.parentSpanContext?.spanId,
    traceFlags: span.spanContext().traceFlags,
    traceState: span.spanContext().traceState?.serialize(),
    resource: span.resource,
    scope: span.instrumentationScope,
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
    ended: span.ended,
  };
}

const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

/** Everything a span goes through in Wharf, and what a handler may add through `spanOf(ctx)`. */
function exercise(span: Span): void {
  span.setAttribute('wharf.code', 'INTERNAL');
  span.setAttributes({ 'error.type': 'INTERNAL', 'http.response.status_code': 500, tags: ['a', 'bb'] });
  span.setAttribute('ignored', undefined as never); // what untyped callers can pass: ignored, as by the SDK
  span.setAttribute('', 'empty key');
  span.updateName('orders/place');
  span.addEvent('cache miss', { key: 'order-1', size: 3 });
  span.addEvent('retry');
  span.addLink({ context: LINKED, attributes: { why: 'batch' } });
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'disk full' });
  span.recordException({ name: 'INTERNAL', message: 'disk full' });
}

function both(start: ReturnType<typeof setUp>, parent: OtelContext = ROOT_CONTEXT, attributes = (): Attributes => ({})) {
  for (const make of [start.lean, start.sdk]) {
    const span = make('orders/plac', SpanKind.SERVER, { 'rpc.service': 'orders', ...attributes() }, parent);
    exercise(span);
    span.end();
  }
  const [lean, sdk] = start.exporter.getFinishedSpans();
  return { lean: lean as ReadableSpan, sdk: sdk as ReadableSpan };
}

describe('lean spans', () => {
  it('export as the SDK exports its own spans', () => {
    const start = setUp();
    const before = Date.now();
    const { lean, sdk } = both(start);
    const after = Date.now();
    expect(lean).toBeInstanceOf(LeanSpan);
    expect(sdk).not.toBeInstanceOf(LeanSpan);
    expect(shape(lean)).toEqual(shape(sdk));
    expect(lean.events[2]?.attributes).toMatchObject({ 'exception.type': 'INTERNAL', 'exception.message': 'disk full' });
    // Times: within the call, ordered, and the duration their difference.
    const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;
    expect(ms(lean.startTime)).toBeGreaterThanOrEqual(before - 1);
    expect(ms(lean.endTime)).toBeLessThanOrEqual(after + 1);
    expect(ms(lean.endTime) - ms(lean.startTime)).toBeCloseTo(ms(lean.duration), 3);
    expect(lean.duration[1]).toBeLessThan(1e9);
    for (const event of lean.events) expect(ms(event.time)).toBeGreaterThanOrEqual(ms(lean.startTime));
  });

  it('keep the SDK limits: attribute count and length, events, links, attributes per event and link', () => {
    const start = setUp({
      spanLimits: {
        attributeCountLimit: 3,
        attributeValueLengthLimit: 4,
        eventCountLimit: 1,
        linkCountLimit: 0,
        attributePerEventCountLimit: 1,
      },
    });
    const { lean, sdk } = both(start);
    expect(shape(lean)).toEqual(shape(sdk));
    expect(lean.droppedAttributesCount).toBeGreaterThan(0);
    expect(lean.droppedLinksCount).toBe(1);
  });

  it('continue a parent, and follow every sampling decision as the SDK does', () => {
    const parentSpan = trace.wrapSpanContext(LINKED);
    const parent = trace.setSpan(ROOT_CONTEXT, parentSpan);
    const continued = both(setUp(), parent);
    expect(continued.lean.spanContext().traceId).toBe(LINKED.traceId);
    expect(shape(continued.lean)).toEqual(shape(continued.sdk));

    // A sampler that records without sampling, adds attributes and a trace state.
    const recordOnly: Sampler = {
      shouldSample: () => ({
        decision: SamplingDecision.RECORD,
        attributes: { 'sampler.rule': 'audit' },
        traceState: trace.wrapSpanContext(LINKED).spanContext().traceState,
      }),
      toString: () => 'record only',
    };
    const recorded = setUp({ sampler: recordOnly });
    const span = recorded.lean('a', SpanKind.CLIENT, {}, ROOT_CONTEXT);
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
    expect((span as LeanSpan).attributes['sampler.rule']).toBe('audit');
    span.end();

    const dropAll: Sampler = { shouldSample: () => ({ decision: SamplingDecision.NOT_RECORD }), toString: () => 'off' };
    const dropped = setUp({ sampler: dropAll });
    const unsampled = dropped.lean('a', SpanKind.SERVER, {}, parent);
    expect(unsampled.isRecording()).toBe(false);
    expect(unsampled.spanContext().traceId).toBe(LINKED.traceId);
    unsampled.end();
    expect(dropped.exporter.getFinishedSpans()).toEqual([]);
  });

  it('end once, and take an explicit end time', () => {
    const start = setUp();
    const span = start.lean('a', SpanKind.INTERNAL, {}, ROOT_CONTEXT) as LeanSpan;
    const endAt = new Date(Date.now() + 5_000);
    span.end(endAt);
    span.end();
    span.setAttribute('late', true);
    expect(start.exporter.getFinishedSpans()).toHaveLength(1);
    expect(span.endTime[0] * 1000 + span.endTime[1] / 1e6).toBe(endAt.getTime());
    expect(span.duration[0]).toBeGreaterThanOrEqual(4);
    expect(span.attributes.late).toBeUndefined();
    expect(span.isRecording()).toBe(false);
  });
});
