// Pure parts, no broker: names, backoff, retry delays, the dedupe store, the publish queue.
import { memoryDedupe, topologyNames } from '@wharf/transport-amqp';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import { Fifo } from '../src/fifo.js';
import { isJsonContentType, metadataFromHeaders } from '../src/headers.js';
import { redactUrl } from '../src/options.js';
import { retryPolicy } from '../src/retry-policy.js';
import { namespaceOf } from '../src/rpc-client.js';
import { queueFeatures } from '../src/topology.js';
import { addressOf } from '../src/transport.js';

describe('topology names', () => {
  it('prefixes every name with the namespace', () => {
    const plain = topologyNames();
    expect([
      plain.eventsExchange,
      plain.rpcQueue('orders', 2),
      plain.handlerQueue('orders', 'onPaid'),
      plain.deadLetterQueue('orders'),
    ]).toEqual(['wharf.events', 'orders.v2.rpc', 'orders.on.onPaid', 'orders.dlq']);
    const staged = topologyNames('staging');
    expect(staged.delayQueue(1000)).toBe('staging.wharf.delay.1000');
    expect(topologyNames('staging.').rpcQueue('a', 1)).toBe('staging.a.v1.rpc');
  });

  it('puts the broker and namespace in the address, never the password', () => {
    expect(addressOf('amqp://user:pw@rabbit:5672/shop', 'blue')).toBe('amqp://rabbit:5672/shop?namespace=blue');
    expect(addressOf('amqps://rabbit', undefined)).toBe('amqp://rabbit/');
    expect(namespaceOf('amqp://rabbit:5672/shop?namespace=blue')).toBe('blue');
    expect(namespaceOf('amqp://rabbit:5672/')).toBeUndefined();
    expect(redactUrl('amqp://user:pw@rabbit/')).toBe('amqp://user:***@rabbit/');
  });
});

describe('reconnect backoff', () => {
  it('grows from 100 ms to 5 s, with jitter, never above the cap', () => {
    expect(backoffDelay(0, {}, () => 0.5)).toBe(100);
    expect(backoffDelay(1, {}, () => 0.5)).toBe(200);
    expect(backoffDelay(10, {}, () => 0.5)).toBe(5_000);
    expect(backoffDelay(0, {}, () => 0)).toBe(80);
    expect(backoffDelay(0, {}, () => 1)).toBe(120);
    for (let attempt = 0; attempt < 40; attempt++) {
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(5_000);
    }
  });
});

describe('retry policy', () => {
  it('computes one delay per retry, capped', () => {
    expect(retryPolicy().delays).toEqual([1_000, 3_000, 9_000, 27_000]);
    expect(retryPolicy({ maxAttempts: 6, initialDelayMs: 500, factor: 4, maxDelayMs: 10_000 }).delays).toEqual([
      500, 2_000, 8_000, 10_000, 10_000,
    ]);
    expect(retryPolicy({ maxAttempts: 1 }).delays).toEqual([]);
    expect([...retryPolicy().deadLetterCodes].sort()).toEqual(['INVALID_ARGUMENT', 'OUT_OF_RANGE', 'UNIMPLEMENTED']);
  });

  it('rejects options that make no sense, naming them', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retryPolicy({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(/maxDelayMs/);
  });
});

describe('queue features', () => {
  it('uses quorum queues from RabbitMQ 3.8, at-least-once dead-lettering from 3.10', () => {
    expect(queueFeatures('3.7.28', undefined, 20).type).toBe('classic');
    expect(queueFeatures('3.9.1', undefined, 20)).toMatchObject({ type: 'quorum', atLeastOnceDeadLetters: false });
    expect(queueFeatures('3.10.8', undefined, 20)).toMatchObject({ type: 'quorum', atLeastOnceDeadLetters: true });
    expect(queueFeatures('4.1.0', 'classic', 20)).toMatchObject({ type: 'classic', atLeastOnceDeadLetters: false });
  });
});

describe('memory dedupe', () => {
  const info = { id: 'x', event: 'e', handler: 's.h' };
  it('remembers keys, forgetting the oldest past its bound', () => {
    const dedupe = memoryDedupe({ maxKeys: 2 });
    dedupe.remember('a', info);
    dedupe.remember('b', info);
    expect(dedupe.seen('a', info)).toBe(true);
    dedupe.remember('c', info);
    expect(dedupe.seen('a', info)).toBe(false);
    expect(dedupe.seen('b', info)).toBe(true);
    expect(dedupe.seen('c', info)).toBe(true);
    expect(() => memoryDedupe({ maxKeys: 0 })).toThrow(/maxKeys/);
  });
});

describe('helpers', () => {
  it('keeps a FIFO order across compaction', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5_000; i++) fifo.push(i);
    const out: number[] = [];
    for (let i = 0; i < 3_000; i++) out.push(fifo.shift() as number);
    fifo.push(5_000);
    expect(fifo.size).toBe(2_001);
    out.push(...fifo.drain());
    expect(out).toEqual(Array.from({ length: 5_001 }, (_, i) => i));
    expect(fifo.shift()).toBeUndefined();
  });

  it('reads metadata from string headers only, without transport headers', () => {
    expect(
      metadataFromHeaders({
        'X-Request-Id': 'r1',
        traceparent: 't',
        'x-wharf-attempt': 2,
        'x-wharf-error-code': 'X',
        'wharf-delay-ms': '100',
        'x-death': [],
        count: 3,
      }),
    ).toEqual({ 'x-request-id': 'r1', traceparent: 't' });
  });

  it('accepts JSON content types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType(undefined)).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
  });
});
