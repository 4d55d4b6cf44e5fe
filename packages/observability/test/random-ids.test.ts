// Trace and span ids made from a pool of OS randomness: W3C-valid, distinct, never all zeros (even
// from a pool that came back all zeros), and only in place of the SDK's default generator.
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { idsFor, randomIds } from '../src/tracing/random-ids.js';
import { shutDownStarters, spanStarters } from './span-starters.js';

afterEach(shutDownStarters);

// The first pool the generator draws is all zeros; every later one is real randomness.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  let zeros = true;
  return {
    ...real,
    randomFillSync<T extends NodeJS.ArrayBufferView>(buffer: T): T {
      if (!zeros) return real.randomFillSync(buffer);
      zeros = false;
      new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).fill(0);
      return buffer;
    },
  };
});

describe('random ids', () => {
  it('are never all zeros, even when the random source returns zeros', () => {
    // Drawn first: the all-zero pool is used up and the ids come from the next one.
    expect(randomIds.generateTraceId()).not.toBe('0'.repeat(32));
    expect(randomIds.generateSpanId()).not.toBe('0'.repeat(16));
  });

  it('are lower-case hex of W3C length, distinct, across many pool refills', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const traceId = randomIds.generateTraceId();
      const spanId = randomIds.generateSpanId();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      traces.add(traceId);
      spans.add(spanId);
    }
    expect(traces.size).toBe(5_000);
    expect(spans.size).toBe(5_000);
  });

  it('use every hex digit in every position (no digit stuck by the formatting)', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) {
      const id = randomIds.generateTraceId();
      for (let at = 0; at < id.length; at++) seen[at]?.add(id.charAt(at));
    }
    for (const digits of seen) expect(digits.size).toBe(16);
  });

  it('replace only the SDK default generator; a configured one makes the lean spans ids', () => {
    expect(idsFor(new RandomIdGenerator())).toBe(randomIds);
    const custom = { generateTraceId: () => 'abcdef0123456789abcdef0123456789', generateSpanId: () => '0123456789abcdef' };
    expect(idsFor(custom)).toBe(custom);
    const { exporter, lean } = spanStarters({ idGenerator: custom });
    lean('a', SpanKind.SERVER, {}, ROOT_CONTEXT).end();
    expect(exporter.getFinishedSpans()[0]?.spanContext()).toMatchObject({
      traceId: 'abcdef0123456789abcdef0123456789',
      spanId: '0123456789abcdef',
    });
  });
});
