// From a review of the cheaper tracing: where lean spans, their ids and their context differed from
// the SDK's. Each test runs the same thing on the SDK's own objects and on Wharf's and expects the same.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createContextKey, ROOT_CONTEXT, SamplingDecision, type Span, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { RandomIdGenerator, type ReadableSpan, type Sampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { resultAttributes } from '../src/tracing/attributes.js';
import { contextWithSpan } from '../src/tracing/span-context.js';
import { shutDownStarters, spanStarters } from './span-starters.js';

afterEach(shutDownStarters);

const setUp = spanStarters;

/** One span made by the SDK and one lean span, ended, as exported: [sdk, lean]. */
function pair(start: ReturnType<typeof setUp>, attributes: () => Record<string, string>, op: (span: Span) => void = () => {}) {
  for (const make of [start.sdk, start.lean]) {
    const span = make('orders/place', SpanKind.SERVER, attributes(), ROOT_CONTEXT);
    op(span);
    span.end();
  }
  const [sdk, lean] = start.exporter.getFinishedSpans() as ReadableSpan[];
  return { sdk: sdk as ReadableSpan, lean: lean as ReadableSpan };
}

const IDS = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

describe('ids: the configured generator', () => {
  it('is used when the app overrode the methods of a RandomIdGenerator instance', () => {
    const ids = new RandomIdGenerator();
    ids.generateTraceId = () => '5f0c0a8a000000000000000000000001';
    ids.generateSpanId = () => '00000000000000aa';
    const { sdk, lean } = pair(setUp({ idGenerator: ids }), () => ({}));
    expect(sdk.spanContext().traceId).toBe('5f0c0a8a000000000000000000000001');
    expect(lean.spanContext().traceId).toBe(sdk.spanContext().traceId);
    expect(lean.spanContext().spanId).toBe(sdk.spanContext().spanId);
  });

  it("is used when it is the app's own class that happens to be called RandomIdGenerator", () => {
    const Mine = class RandomIdGenerator {
      generateTraceId = () => 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
      generateSpanId = () => 'bbbbbbbbbbbbbbbb';
    };
    const { sdk, lean } = pair(setUp({ idGenerator: new Mine() as RandomIdGenerator }), () => ({}));
    expect(sdk.spanContext().traceId).toBe('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(lean.spanContext().traceId).toBe(sdk.spanContext().traceId);
  });
});

describe('attribute count limit', () => {
  it('holds for attributes a sampler added to the attributes it was given (the SDK re-sanitises them)', () => {
    // The SDK's Tracer: "The attributes object may have been mutated by the sampler".
    const sampler: Sampler = {
      shouldSample(_context, _traceId, _name, _kind, attributes) {
        for (let i = 0; i < 200; i++) attributes[`sampler.tag.${i}`] = i;
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      },
      toString: () => 'tags in place',
    };
    for (const attributeCountLimit of [32, 128]) {
      const start = setUp({ sampler, spanLimits: { attributeCountLimit } });
      const { sdk, lean } = pair(
        start,
        () => ({ 'rpc.service': 'orders', 'rpc.method': 'place' }),
        (span) => resultAttributes(span, 'http', 'OK'),
      );
      expect(Object.keys(sdk.attributes)).toHaveLength(attributeCountLimit);
      expect(Object.keys(lean.attributes)).toHaveLength(Object.keys(sdk.attributes).length);
      expect(lean.droppedAttributesCount).toBe(sdk.droppedAttributesCount);
    }
  });

  it('keeps no attribute without a value, as setAttribute, when a code has no HTTP status', () => {
    // A JavaScript handler can throw new WharfError('TEAPOT', …): httpStatusOf gives undefined.
    const { sdk, lean } = pair(
      setUp(),
      () => ({}),
      (span) => resultAttributes(span, 'http', 'TEAPOT' as never),
    );
    expect(Object.keys(sdk.attributes)).not.toContain('http.response.status_code');
    expect(Object.keys(lean.attributes)).toEqual(Object.keys(sdk.attributes));
  });
});

describe('times: own data, as on the SDK span', () => {
  it('survive a copy of the span ({ ...span }), as a redacting exporter makes, into OTLP', () => {
    const { sdk, lean } = pair(setUp(), () => ({ 'user.email': 'a@example.com' }));
    const redacted = (span: ReadableSpan): ReadableSpan =>
      ({ ...span, attributes: {}, spanContext: () => span.spanContext() }) as ReadableSpan;
    expect(() => JsonTraceSerializer.serializeRequest([redacted(sdk)])).not.toThrow();
    expect(() => JsonTraceSerializer.serializeRequest([redacted(lean)])).not.toThrow();
    expect({ ...sdk }.startTime).toEqual(sdk.startTime);
    expect({ ...lean }.startTime).toEqual(lean.startTime);
    expect({ ...lean }.endTime).toEqual(lean.endTime);
  });

  it('read through a Proxy of the span (a wrapping span processor)', () => {
    const { sdk, lean } = pair(setUp(), () => ({}));
    expect(new Proxy(sdk, {}).startTime).toEqual(sdk.startTime);
    expect(() => new Proxy(lean, {}).startTime).not.toThrow();
    expect(() => new Proxy(lean, {}).endTime).not.toThrow();
  });
});

describe('contextWithSpan against trace.setSpan', () => {
  const KEY = createContextKey('per message');

  it('still reads after many derivations (a stream handler setting a value per message)', () => {
    const span = trace.wrapSpanContext(IDS);
    let api = trace.setSpan(ROOT_CONTEXT, span);
    let ours = contextWithSpan(ROOT_CONTEXT, span);
    for (let i = 0; i < 50_000; i++) {
      api = api.setValue(KEY, i);
      ours = ours.setValue(KEY, i);
    }
    const start = setUp();
    expect(trace.getSpan(api)).toBe(span);
    expect(() => start.tracer.startSpan('next message', {}, api).end()).not.toThrow();
    expect(() => trace.getSpan(ours)).not.toThrow();
    expect(() => start.tracer.startSpan('next message', {}, ours).end()).not.toThrow();
  });

  it('lets go of a value deleted or replaced, as the API context does', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const held = (make: (parent: ReturnType<typeof trace.setSpan>, value: object) => ReturnType<typeof trace.setSpan>) => {
      let value: object | undefined = { payload: new Array(1000).fill('x') };
      const ref = new WeakRef(value);
      const ctx = make(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(IDS)), value);
      value = undefined;
      return { ref, ctx };
    };
    const apiDeleted = held((parent, v) => parent.setValue(KEY, v).deleteValue(KEY));
    const oursDeleted = held((parent, v) =>
      contextWithSpan(parent, trace.wrapSpanContext(IDS)).setValue(KEY, v).deleteValue(KEY),
    );
    const oursReplaced = held((parent, v) =>
      contextWithSpan(parent, trace.wrapSpanContext(IDS)).setValue(KEY, v).setValue(KEY, 'small'),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    // The contexts themselves are still in use.
    for (const { ctx } of [apiDeleted, oursDeleted, oursReplaced]) expect(trace.getSpan(ctx)).toBeDefined();
    expect(apiDeleted.ref.deref()).toBeUndefined();
    expect(oursDeleted.ref.deref()).toBeUndefined();
    expect(oursReplaced.ref.deref()).toBeUndefined();
  });
});
