// Review of the cache of encoded KeyValues: what it keeps must stay within its limits in bytes
// (not only in entries), must not hold on to more than it keeps, and must not cost attributes
// whose values never recur; and, whatever it keeps or refuses, the request must stay byte for byte
// OpenTelemetry's.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Attributes, TraceFlags, type TraceState } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { KeyValueCache } from '../src/otel/otlp/key-value-cache.js';
import type { ProtoWriter } from '../src/otel/otlp/proto-writer.js';
import { official } from './otlp-bytes.js';

/**
 * Wharf's encoder with a cache of its own, empty: the cache is the module's, and another test's
 * 256 keys would leave nothing to keep.
 */
async function freshEncoder(): Promise<(spans: ReadableSpan[]) => Buffer> {
  vi.resetModules();
  const { encodeSpans } = await import('../src/otel/otlp/span-encoder.js');
  return (spans) => Buffer.from(encodeSpans(spans));
}

function setUp(spanLimits?: { attributeValueLengthLimit?: number }) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'cache-review' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(spanLimits ? { spanLimits } : {}),
  });
  return { exporter, tracer: provider.getTracer('cache-review') };
}

/** A cache whose encoding writes the key only, counting its calls. */
function counting() {
  const calls = { n: 0 };
  const cache = new KeyValueCache((w: ProtoWriter, key: string) => {
    calls.n++;
    w.tag(1, 2);
    w.string(key);
  });
  return { cache, calls };
}

describe('the KeyValue cache, against ProtobufTraceSerializer', () => {
  it('writes every kind of value and key the serializer’s way, kept, read back or refused, in every place attributes go', async () => {
    const ours = await freshEncoder();
    const same = (spans: ReadableSpan[]) => ours(spans).equals(official(spans));
    const values: unknown[] = [
      0,
      -0,
      1,
      -1,
      2 ** 31,
      2 ** 32,
      0xffffffff,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53 - 1),
      -(2 ** 53),
      2 ** 62,
      2 ** 63,
      -(2 ** 63),
      2 ** 64,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MIN_VALUE,
      '',
      '1',
      '01',
      'true',
      true,
      false,
      'x'.repeat(128),
      'x'.repeat(129),
      'é'.repeat(128),
      '😀'.repeat(64),
      '😀'.repeat(65),
      '\ud800',
      '\udc00',
      `${'x'.repeat(127)}\ud83d`,
      '\ud800'.repeat(128),
      '\u0000',
      '\uffff',
      '\ufeff',
      '\ufeffx',
      [1, 'a'],
      new Uint8Array([1, 2]),
    ];
    const keys = [
      'k',
      '',
      '__proto__',
      'constructor',
      'toString',
      '1',
      '01',
      '4294967295',
      '\ud800',
      '😀',
      'x'.repeat(128),
      'x'.repeat(129),
    ];
    const all: Attributes = {};
    for (const [k, key] of keys.entries())
      for (const [v, value] of values.entries())
        Object.defineProperty(all, `${key}#${k}.${v}`, { value, enumerable: true, configurable: true, writable: true });
    // The same key with a string, a number and a boolean, one after the other and together.
    const mixed = [
      ['1', 1, true],
      [1, '1'],
      [true, 1, 'true'],
      [0, -0, '0', false],
      [-0, 0],
    ];
    const { exporter, tracer } = setUp();
    for (const key of keys)
      for (const value of values) {
        const attributes: Attributes = {};
        // defineProperty: `__proto__` as an own attribute, as setAttribute makes it.
        Object.defineProperty(attributes, key, { value, enumerable: true, configurable: true, writable: true });
        tracer.startSpan('one', { attributes }).end();
      }
    for (const list of mixed) {
      for (const value of list) tracer.startSpan('mixed', { attributes: { k: value as never } }).end();
      tracer.startSpan('mixed together', { attributes: Object.fromEntries(list.map((v, i) => [`k${i}`, v])) }).end();
    }
    const span = tracer.startSpan('everywhere', { attributes: all });
    span.addEvent('event', all);
    span.addLink({
      context: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: TraceFlags.SAMPLED },
      attributes: all,
    });
    span.end();
    const spans = exporter.getFinishedSpans();
    // Resource and scope attributes too, the same pairs in all five places of one request.
    const everywhere = spans.at(-1) as ReadableSpan;
    const spread = {
      ...everywhere,
      spanContext: () => everywhere.spanContext(),
      resource: { ...everywhere.resource, attributes: all },
      instrumentationScope: { name: 'scope', attributes: all },
    } as unknown as ReadableSpan;
    for (const s of [...spans, spread]) {
      expect(same([s])).toBe(true);
      expect(same([s])).toBe(true);
    }
    expect(same([...spans, spread, spread])).toBe(true);
  });

  it('writes ids of every character code the serializer’s way (the table and the fallback alike)', async () => {
    const ours = await freshEncoder();
    const same = (spans: ReadableSpan[]) => ours(spans).equals(official(spans));
    const { exporter, tracer } = setUp();
    const codes = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c));
    const ascii = codes.slice(0, 0x80);
    for (let c = 0; c < 0x10000; c += 16) {
      // Each code before and after an ASCII character, and next to its neighbours.
      const run = codes.slice(c, c + 16);
      const partner = ascii[(c >> 4) & 0x7f] as string;
      const traceId = run.map((ch) => ch + partner).join('');
      const spanId = run
        .slice(0, 8)
        .map((ch) => partner + ch)
        .join('');
      const odd = run.slice(8, 15).join('');
      const span = tracer.startSpan('ids', {
        links: [{ context: { traceId: odd + odd, spanId: odd, traceFlags: TraceFlags.SAMPLED } }],
      });
      const context = span.spanContext();
      Object.assign(context, { traceId, spanId });
      span.end();
      Object.assign(span, { parentSpanContext: { ...context, spanId: run.slice(8).join('') } });
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(0x1000);
    const last = spans.at(-1) as ReadableSpan;
    expect(last.spanContext().traceId.charCodeAt(0)).toBe(0xfff0);
    expect(last.parentSpanContext?.spanId.charCodeAt(0)).toBe(0xfff8);
    expect(last.links[0]?.context.spanId.charCodeAt(0)).toBe(0xfff8);
    for (let i = 0; i < spans.length; i += 512) expect(same(spans.slice(i, i + 512))).toBe(true);
  });

  it('is not corrupted by encodings started from attribute getters and trace states inside an encoding', async () => {
    const ours = await freshEncoder();
    const { exporter, tracer } = setUp();
    for (let i = 0; i < 40; i++)
      tracer.startSpan('inner', { attributes: { shared: `v${i}`, n: i, long: 'z'.repeat(300) } }).end();
    const inner = exporter.getFinishedSpans().slice();
    exporter.reset();
    const inside: Buffer[] = [];
    const state = {
      serialize: () => {
        inside.push(ours(inner));
        return 'k=v';
      },
    } as unknown as TraceState;
    const span = tracer.startSpan('outer', { attributes: { shared: 'v1', n: 2, other: 'x' } });
    span.addLink({ context: { ...span.spanContext(), traceState: state }, attributes: { shared: 'v3' } });
    span.end();
    const [outer] = exporter.getFinishedSpans() as [ReadableSpan];
    const attributes = { shared: 'v5' } as Attributes;
    Object.defineProperty(attributes, 'getter', {
      enumerable: true,
      get: () => {
        inside.push(ours(inner));
        return 'v6';
      },
    });
    const withGetter = { ...outer, spanContext: () => outer.spanContext(), resource: { attributes } } as unknown as ReadableSpan;
    const got = ours([withGetter]);
    expect(inside).toHaveLength(2);
    for (const bytes of inside) expect(bytes.equals(official(inner))).toBe(true);
    expect(got.equals(official([withGetter]))).toBe(true);
  });
});

describe('the KeyValue cache’s bounds', () => {
  it('keeps no pair whose key is longer than 128 characters (its bytes are in every value kept for the key)', () => {
    const { cache, calls } = counting();
    expect(cache.get('k'.repeat(128), true)).toBeDefined();
    // Before: kept, 32 copies of a key of any length for each of 256 keys (10 000 characters: 82 MB).
    expect(cache.get('k'.repeat(129), true)).toBeUndefined();
    expect(cache.get('k'.repeat(100_000), 1)).toBeUndefined();
    expect(calls.n).toBe(1);
  });

  it('does not hold on to the string a kept value was cut from (a value truncated to attributeValueLengthLimit)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const ours = await freshEncoder();
    const same = (spans: ReadableSpan[]) => ours(spans).equals(official(spans));
    const { exporter, tracer } = setUp({ attributeValueLengthLimit: 64 });
    const before = await heap();
    // 256 values, each the first 64 characters of a statement of 256 kB.
    for (let k = 0; k < 8; k++)
      for (let v = 0; v < 32; v++) {
        tracer.startSpan('query', { attributes: { [`db.query.text.${k}`]: `${k}:${v}:${'select '.repeat(36_000)}` } }).end();
        const spans = exporter.getFinishedSpans();
        expect(same(spans)).toBe(true);
        exporter.reset();
      }
    const grown = (await heap()) - before;
    // Before: 64 MB, every statement kept whole by the 64-character slice the cache keeps.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });

  it('stops looking up the values of a key that seldom recur, and keeps those of a key that does', () => {
    const { cache, calls } = counting();
    for (let i = 0; i < 32; i++) {
      expect(cache.get('request.id', `r-${i}`)).toBeDefined();
      expect(cache.get('http.route', `/route/${i}`)).toBeDefined();
    }
    // Every further request id is new; three routes in four are among those kept.
    for (let i = 32; i < 20_000; i++) {
      expect(cache.get('request.id', `r-${i}`)).toBeUndefined();
      cache.get('http.route', `/route/${i % 4 === 0 ? i : i % 32}`);
    }
    expect(calls.n).toBe(64);
    // The request ids kept are no longer looked up (nor kept); the routes are.
    expect(cache.get('request.id', 'r-0')).toBeUndefined();
    expect(cache.get('http.route', '/route/1')).toBeDefined();
  });

  it('keeps strings it copies back the same (a byte order mark kept), and only those (a lone surrogate is not)', () => {
    const { cache, calls } = counting();
    for (const value of ['\ufeff', '\ufeffx', 'é😀']) {
      const kept = cache.get('k', value);
      expect(kept).toBeDefined();
      expect(cache.get('k', value)).toBe(kept);
    }
    expect(calls.n).toBe(3);
    // Encoded as U+FFFD: its copy would be another string. Written from its own bytes every time.
    expect(cache.get('k', '\ud800')).toBeDefined();
    expect(cache.get('k', '\ud800')).toBeDefined();
    expect(calls.n).toBe(5);
  });
});
