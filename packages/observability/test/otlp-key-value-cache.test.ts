// The encoder keeps the encoded KeyValues of attributes that recur: a kept pair must give the bytes
// OpenTelemetry's serializer writes, wherever it appears (span, resource, event, link), and the
// cache must stay bounded whatever values a service's spans carry.
import { type Attributes, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { KeyValueCache } from '../src/otel/otlp/key-value-cache.js';
import type { ProtoWriter } from '../src/otel/otlp/proto-writer.js';
import { official, ours } from './otlp-bytes.js';

/** Values of every type an attribute takes, the ones a cache keeps and the ones it must not. */
const VALUES: Attributes = {
  ascii: 'greeter.Greeter',
  accented: 'é-ü-日本',
  empty: '',
  at128: 'x'.repeat(128),
  at129: 'y'.repeat(129),
  yes: true,
  no: false,
  zero: 0,
  minusZero: -0,
  minusOne: -1,
  big: 2 ** 31,
  maxSafe: Number.MAX_SAFE_INTEGER,
  minSafe: Number.MIN_SAFE_INTEGER,
  beyondSafe: 2 ** 60,
  half: 1.5,
  nan: Number.NaN,
  infinite: Number.POSITIVE_INFINITY,
  list: ['a', 'b'],
  numbers: [1, 2.5],
};

function spans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'cache', ...VALUES }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('cache');
  for (let i = 0; i < 3; i++) {
    const span = tracer.startSpan('recurring', { attributes: VALUES });
    span.addEvent('event', VALUES);
    span.addLink({
      context: { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331', traceFlags: TraceFlags.SAMPLED },
      attributes: VALUES,
    });
    span.end();
  }
  // More values of one key than the cache keeps for it, and more keys than it keeps at all.
  for (let i = 0; i < 100; i++) tracer.startSpan('many values', { attributes: { 'request.id': `r-${i}`, n: i } }).end();
  for (let i = 0; i < 400; i += 50) {
    const attributes: Attributes = {};
    for (let k = i; k < i + 50; k++) attributes[`key.${k}`] = k % 2 === 0 ? 'even' : k;
    tracer.startSpan('many keys', { attributes }).end();
  }
  return exporter.getFinishedSpans();
}

describe('encoded KeyValues kept for recurring attributes', () => {
  it('give the serializer’s bytes when kept, when read back, and beyond the limits, alone and together', () => {
    const all = spans();
    for (const span of all) {
      expect(ours([span]).equals(official([span]))).toBe(true); // first: encoded and kept
      expect(ours([span]).equals(official([span]))).toBe(true); // again: from the cache
    }
    expect(ours(all).equals(official(all))).toBe(true);
  });

  it('keeps at most 32 values of a key and 256 keys, and only short strings, booleans and safe integers', () => {
    let encoded = 0;
    const cache = new KeyValueCache((w: ProtoWriter, key: string) => {
      encoded++;
      w.tag(1, 2);
      w.string(key);
    });
    const first = cache.get('k', 'v');
    expect(first).toBeInstanceOf(Uint8Array);
    expect(cache.get('k', 'v')).toBe(first);
    expect(encoded).toBe(1);
    for (let i = 1; i < 32; i++) expect(cache.get('k', i)).toBeDefined();
    for (let i = 32; i < 10_000; i++) expect(cache.get('k', i)).toBeUndefined();
    for (let k = 1; k < 256; k++) expect(cache.get(`key${k}`, true)).toBeDefined();
    for (let k = 256; k < 10_000; k++) expect(cache.get(`key${k}`, true)).toBeUndefined();
    expect(encoded).toBe(32 + 255);
    for (const value of ['z'.repeat(129), 1.5, Number.NaN, 2 ** 53, [1], new Uint8Array(1), { a: 1 }, null, undefined])
      expect(cache.get('k', value)).toBeUndefined();
  });
});
