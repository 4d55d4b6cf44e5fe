// Pure parts, no broker: names, backoff, retry delays, the dedupe store, the publish queue.
import { retryPolicy } from '@wharf/core/transport';
import { amqpTransport, memoryDedupe, topologyNames } from '@wharf/transport-amqp';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/connection/backoff.js';
import { addressOf, brokerMatcher, namespaceOf, redactUrl } from '../src/connection/broker-address.js';
import { cancel, schedule, timeoutAt } from '../src/connection/deadline-timer.js';
import { Fifo } from '../src/events/fifo.js';
import { queueFeatures } from '../src/events/topology.js';
import { isJsonContentType, metadataFromHeaders } from '../src/headers.js';
import { parseJsonBody } from '../src/json-body.js';
import { isValidReplyTo } from '../src/rpc/reply-to.js';

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
    expect(addressOf('amqps://rabbit', undefined)).toBe('amqp://rabbit:5671/');
    expect(addressOf('amqp://guest:guest@127.0.0.1', undefined)).toBe('amqp://127.0.0.1:5672/');
    expect(namespaceOf('amqp://rabbit:5672/shop?namespace=blue')).toBe('blue');
    expect(namespaceOf('amqp://rabbit:5672/')).toBeUndefined();
    expect(redactUrl('amqp://user:pw@rabbit/')).toBe('amqp://user:***@rabbit/');
  });
});

describe('which broker an address names', () => {
  it('compares host, port and vhost, not the namespace', () => {
    const reaches = brokerMatcher('amqp://user:pw@Rabbit.internal:5672/shop', ['rabbit:5672', 'amqp://10.0.0.7']);
    expect(reaches('amqp://rabbit.internal:5672/shop?namespace=blue')).toBe(true);
    expect(reaches('amqp://rabbit.internal/shop')).toBe(true);
    expect(reaches('amqp://rabbit:5672/shop')).toBe(true);
    expect(reaches('amqp://10.0.0.7:5672/shop')).toBe(true);
    expect(reaches('amqp://rabbit.internal:5672/')).toBe(false);
    expect(reaches('amqp://rabbit.internal:5673/shop')).toBe(false);
    expect(reaches('amqp://other:5672/shop')).toBe(false);
    expect(reaches('not a url')).toBe(false);
    const local = brokerMatcher('amqp://127.0.0.1', []);
    expect(local('amqp://localhost:5672/')).toBe(true);
    expect(local('amqp://[::1]:5672')).toBe(true);
    expect(local('amqp://127.0.0.1:5672/%2F')).toBe(true);
    expect(local('amqp://127.0.0.1:5672/%2Fother')).toBe(false);
    expect(brokerMatcher('amqps://rabbit', [])('amqp://rabbit:5671/')).toBe(true);
  });
});

describe('reply-to addresses', () => {
  const pid = (node: string, tag = 88) => {
    const atom = Buffer.from(node);
    const rest = Buffer.alloc(tag === 88 ? 12 : 9, 1);
    return Buffer.concat([Buffer.from([131, tag, 118, 0, atom.length]), atom, rest]).toString('base64');
  };

  it('accepts queue names and the direct reply-to addresses RabbitMQ issues', () => {
    expect(isValidReplyTo('my-replies')).toBe(true);
    expect(isValidReplyTo('amq.gen-JzTY20BRgKO-HjmUJj0wLg')).toBe(true);
    // As RabbitMQ 3.10 issued it, and as 4.2 does (no key).
    expect(isValidReplyTo('amq.rabbitmq.reply-to.g1h2AA1yZXBseUA5MjQ4ODg0AAA1kQAAAAJrCALE.JIKg8DORTpYy5HhyA43plA==')).toBe(true);
    expect(isValidReplyTo('amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODc4MTMzNAAAcEoAAAAAaS8eQg==')).toBe(true);
    expect(isValidReplyTo(`amq.rabbitmq.reply-to.${pid('rabbit@host', 103)}.a2V5`)).toBe(true);
  });

  it('refuses what would make RabbitMQ close the connection', () => {
    expect(isValidReplyTo('')).toBe(false);
    expect(isValidReplyTo('amq.rabbitmq.reply-to')).toBe(false);
    expect(isValidReplyTo('amq.rabbitmq.reply-to.garbage.x')).toBe(false);
    expect(isValidReplyTo('amq.rabbitmq.reply-to.g2QAA2FiYw==.x')).toBe(false);
    expect(isValidReplyTo('amq.rabbitmq.reply-to.g1h2AA1yZXBseUA5MjQ4ODg0AAA1kQAAAAJrCAL.abc')).toBe(false);
    expect(isValidReplyTo(`amq.rabbitmq.reply-to.${pid('reply@1')}.not base64!`)).toBe(false);
    expect(isValidReplyTo(`amq.rabbitmq.reply-to.${Buffer.from([131, 88, 118, 0, 200, 65]).toString('base64')}`)).toBe(false);
    expect(isValidReplyTo('x'.repeat(256))).toBe(false);
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

  it('refuses a prefetch beyond the 16-bit field of AMQP, from code or from WHARF_AMQP_PREFETCH', () => {
    expect(() => amqpTransport({ prefetch: 70_000 })).toThrow(/prefetch must be an integer from 1 to 65535, got 70000/);
    expect(() => amqpTransport({ prefetch: 1.5 })).toThrow(/prefetch/);
    process.env.WHARF_AMQP_PREFETCH = '70000';
    try {
      expect(() => amqpTransport()).toThrow(
        /WHARF_AMQP_PREFETCH="70000" cannot be used: expected a positive integer up to 65535/,
      );
    } finally {
      delete process.env.WHARF_AMQP_PREFETCH;
    }
  });
});

describe('queue features', () => {
  it('uses quorum queues from RabbitMQ 3.8, at-least-once dead-lettering from 3.10', () => {
    expect(queueFeatures('3.7.28', undefined, 20)).toMatchObject({ type: 'classic', delayType: 'classic' });
    expect(queueFeatures('3.10.8', undefined, 20)).toMatchObject({
      type: 'quorum',
      delayType: 'quorum',
      atLeastOnceDeadLetters: true,
    });
    expect(queueFeatures('4.1.0', 'classic', 20)).toMatchObject({
      type: 'classic',
      delayType: 'classic',
      atLeastOnceDeadLetters: false,
    });
  });

  it('keeps delay queues classic below 3.10, whose quorum queues have no message TTL', () => {
    expect(queueFeatures('3.9.1', undefined, 20)).toMatchObject({
      type: 'quorum',
      delayType: 'classic',
      atLeastOnceDeadLetters: false,
    });
    expect(queueFeatures('3.8.35', 'quorum', 20)).toMatchObject({ type: 'quorum', delayType: 'classic' });
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

  it('reads metadata from string and numeric headers (as decimal strings), without transport headers', () => {
    expect(
      metadataFromHeaders({
        'X-Request-Id': 'r1',
        traceparent: 't',
        'x-wharf-attempt': 2,
        'x-wharf-error-code': 'X',
        'wharf-delay-ms': '100',
        'x-death': [],
        count: 3,
        flag: true,
        table: { a: 1 },
        bytes: Buffer.from('x'),
      }),
    ).toEqual({ 'x-request-id': 'r1', traceparent: 't', count: '3' });
  });

  it('parses JSON bodies, refusing deep nesting, bytes that are not UTF-8 and text that is not JSON', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,{"b":"日本"}]}'))).toEqual({ ok: true, value: { a: [1, { b: '日本' }] } });
    expect(parseJsonBody(Buffer.from(`${'['.repeat(65)}${']'.repeat(65)}`))).toMatchObject({
      ok: false,
      why: expect.stringContaining('deeper than 64'),
    });
    expect(parseJsonBody(Buffer.from(`${'['.repeat(64)}${']'.repeat(64)}`)).ok).toBe(true);
    expect(parseJsonBody(Buffer.from([0x22, 0xc3, 0x28, 0x22]))).toMatchObject({ ok: false, why: 'is not valid UTF-8' });
    expect(parseJsonBody(Buffer.from('{oops'))).toMatchObject({ ok: false, why: expect.stringContaining('not valid JSON') });
  });

  it('accepts JSON content types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType(undefined)).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
  });
});

describe('deadline timers', () => {
  const DAY = 24 * 3600 * 1000;

  it('leave a deadline beyond the reach of Node timers alone instead of firing it at once', async () => {
    let fired = 0;
    const far = schedule(Date.now() + 30 * DAY, () => fired++);
    const own = timeoutAt(Date.now() + 30 * DAY, () => fired++);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toBe(0);
    expect(own).toBeUndefined();
    cancel(far);
    const near = timeoutAt(Date.now() + 10, () => fired++);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(near).toBeDefined();
    expect(fired).toBe(1);
  });
});
