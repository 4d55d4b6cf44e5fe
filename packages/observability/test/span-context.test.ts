// contextWithSpan: the same context as trace.setSpan, for every reader of the API.
import { createContextKey, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { contextWithSpan } from '../src/tracing/span-context.js';

const IDS = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
const OTHER = { ...IDS, spanId: '00f067aa0ba902b7' };
const USER_KEY = createContextKey('user key');

afterEach(() => propagation.disable());

describe('contextWithSpan', () => {
  it('reads as trace.setSpan: the span, the parent values, set and delete, the parent untouched', () => {
    const span = trace.wrapSpanContext(IDS);
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    const parent = propagation.setBaggage(ROOT_CONTEXT.setValue(USER_KEY, 'kept'), baggage);
    const ours = contextWithSpan(parent, span);
    const api = trace.setSpan(parent, span);
    for (const ctx of [ours, api]) {
      expect(trace.getSpan(ctx)).toBe(span);
      expect(ctx.getValue(USER_KEY)).toBe('kept');
      expect(propagation.getBaggage(ctx)?.getEntry('tenant')?.value).toBe('acme');
      expect(trace.getSpan(ctx.deleteValue(USER_KEY))).toBe(span);
      expect(ctx.deleteValue(USER_KEY).getValue(USER_KEY)).toBeUndefined();
      expect(trace.getSpan(trace.deleteSpan(ctx))).toBeUndefined();
      expect(ctx.setValue(USER_KEY, 'changed').getValue(USER_KEY)).toBe('changed');
      expect(ctx.getValue(USER_KEY)).toBe('kept');
    }
    expect(trace.getSpan(parent)).toBeUndefined();
    // A span set over it wins, and the first is still its parent's.
    const other = trace.wrapSpanContext(OTHER);
    expect(trace.getSpan(contextWithSpan(ours, other))).toBe(other);
    expect(trace.getSpan(ours)).toBe(span);
  });

  it('is what W3C propagation reads', () => {
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    const parent = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ tenant: { value: 'acme' } }));
    const ours = contextWithSpan(parent, trace.wrapSpanContext(IDS));
    const carrier: Record<string, string> = {};
    propagation.inject(ours, carrier);
    expect(carrier.traceparent).toBe(`00-${IDS.traceId}-${IDS.spanId}-01`);
    expect(carrier.baggage).toBe('tenant=acme');
  });
});
