import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, defineContract, implement } from '@wharf/core';
import { bulkhead } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const work = defineContract({
  name: 'work',
  version: '1.0.0',
  methods: {
    slow: { input: z.object({ ms: z.int() }), output: z.object({ ok: z.boolean() }) },
    quick: { input: z.object({}), output: z.object({ ok: z.boolean() }) },
  },
});

describe('bulkhead (server side, per endpoint)', () => {
  it('runs N at once, queues M, refuses the rest with 429 + Retry-After; other endpoints are unaffected', async () => {
    let running = 0;
    let peak = 0;
    const app = createApp({
      services: [
        implement(work, {
          async slow({ ms }) {
            peak = Math.max(peak, ++running);
            await sleep(ms);
            running--;
            return { ok: true };
          },
          quick: () => ({ ok: true }),
        }),
      ],
      transports: [httpTransport({ port: 0, host: '127.0.0.1' })],
      middleware: { server: [bulkhead({ maxConcurrent: 2, maxQueue: 2, retryAfterMs: 1_500 })] },
      logger: { level: 'silent' },
      requestLog: false,
      shutdown: { signals: false },
    });
    await app.start();
    const base = app.addresses.find((a) => a.startsWith('http://'));
    try {
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
      const slow = Array.from({ length: 10 }, () => post('/v1/work/slow', { ms: 300 }));
      await sleep(50);
      const quick = await post('/v1/work/quick', {});
      expect(quick.status).toBe(200);
      const responses = await Promise.all(slow);
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
      const refused = responses.find((r) => r.status === 429);
      expect(refused?.headers.get('retry-after')).toBe('2');
      expect(await refused?.json()).toMatchObject({
        code: 'RESOURCE_EXHAUSTED',
        details: { bulkhead: 'work.slow', retryAfterMs: 1_500 },
      });
      expect(peak).toBe(2);

      // A queued call whose deadline passes leaves the queue (and its slot is not lost).
      const hold = [post('/v1/work/slow', { ms: 300 }), post('/v1/work/slow', { ms: 300 })];
      await sleep(30);
      const late = await post('/v1/work/slow', { ms: 1 }, { 'x-wharf-timeout-ms': '50' });
      expect(late.status).toBe(504);
      await Promise.all(hold);
      expect((await post('/v1/work/slow', { ms: 1 })).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it('a call aborted before it reaches the bulkhead is answered and never queued or run', async () => {
    const ran: number[] = [];
    const app = createApp({
      services: [
        implement(work, {
          async slow({ ms }) {
            ran.push(ms);
            await sleep(ms);
            return { ok: true };
          },
          quick: () => ({ ok: true }),
        }),
      ],
      middleware: {
        server: [
          // Slow work before the bulkhead that ignores the call's signal (a token fetch, say).
          async (_call, next) => {
            await sleep(100);
            return next();
          },
          bulkhead({ maxConcurrent: 1, maxQueue: 4 }),
        ],
      },
      logger: { level: 'silent' },
      requestLog: false,
      shutdown: { signals: false },
    });
    await app.start();
    try {
      const client = app.client(work);
      const hold = client.slow({ ms: 300 });
      await sleep(10);
      // Its deadline passes while the middleware before the bulkhead still holds it.
      await expect(client.slow({ ms: 7 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      await hold;
      await sleep(50);
      expect(ran).toEqual([300]);
      expect(await client.slow({ ms: 1 })).toEqual({ ok: true });
    } finally {
      await app.stop();
    }
  });
});
