import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, ERROR_CODES, type ErrorCode, implement, WharfError } from '@wharf/core';
import { httpStatusOf } from '@wharf/core/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, raw, type Served, serve, until } from './helpers.js';

const faulty = defineContract({
  name: 'faulty',
  version: 1,
  methods: {
    fail: { input: z.object({ code: z.enum(ERROR_CODES) }), output: z.object({}) },
    slow: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) },
    big: { input: z.object({ size: z.int() }), output: z.object({ data: z.string() }) },
  },
});

const aborted: string[] = [];
/** How many `slow` calls have reached their handler. */
let slowStarted = 0;

const service = implement(faulty, {
  fail({ code }) {
    throw new WharfError(code, `The handler failed with ${code}; do something about it`, {
      code,
      attempt: 3,
      nested: { ok: true },
    });
  },
  async slow({ ms }, ctx) {
    slowStarted++;
    try {
      await sleep(ms, undefined, { signal: ctx.signal });
    } catch (error) {
      aborted.push((ctx.signal.reason as WharfError).code);
      throw error;
    }
    return { done: true };
  },
  big: ({ size }) => ({ data: 'x'.repeat(size) }),
});

let served: Served;
beforeAll(async () => {
  served = await serve([service]);
});
afterAll(async () => {
  await served.app.stop();
});

describe('errors over HTTP', () => {
  it.each(ERROR_CODES.map((code) => [code]))('%s arrives at a Wharf client as the same typed error', async (code: ErrorCode) => {
    const app = await caller(served.url, [faulty]);
    const error = await app
      .client(faulty)
      .fail({ code })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WharfError);
    expect(error).toMatchObject({
      code,
      message: `The handler failed with ${code}; do something about it`,
      details: { code, attempt: 3, nested: { ok: true } },
    });
    const res = await raw(served.port, 'POST', '/v1/faulty/fail', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(res.status).toBe(httpStatusOf(code));
    expect(res.json()).toMatchObject({ code, status: httpStatusOf(code), detail: (error as WharfError).message });
    await app.stop();
  });

  it('a 401 carries WWW-Authenticate: the challenge in the error details, else Bearer; a 403 only when given', async () => {
    const challenged = implement(
      defineContract({
        name: 'challenged',
        version: 1,
        methods: {
          go: {
            input: z.object({ c: z.string().optional(), code: z.enum(['UNAUTHENTICATED', 'PERMISSION_DENIED']) }),
            output: z.object({}),
          },
        },
      }),
      {
        go({ c, code }) {
          throw new WharfError(code, 'no', c === undefined ? undefined : { challenge: c });
        },
      },
    );
    const s = await serve([challenged]);
    try {
      const post = (body: object) =>
        fetch(`${s.url}/v1/challenged/go`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const given = await post({ code: 'UNAUTHENTICATED', c: 'Bearer realm="shop", error="invalid_token"' });
      expect(given.status).toBe(401);
      expect(given.headers.get('www-authenticate')).toBe('Bearer realm="shop", error="invalid_token"');
      const plain = await post({ code: 'UNAUTHENTICATED' });
      expect(plain.headers.get('www-authenticate')).toBe('Bearer');
      const unprintable = await post({ code: 'UNAUTHENTICATED', c: 'Bearer\r\nSet-Cookie: x=1' });
      expect(unprintable.headers.get('www-authenticate')).toBe('Bearer');
      expect(unprintable.headers.get('set-cookie')).toBeNull();
      const scope = await post({ code: 'PERMISSION_DENIED', c: 'Bearer error="insufficient_scope"' });
      expect(scope.status).toBe(403);
      expect(scope.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
      expect((await post({ code: 'PERMISSION_DENIED' })).headers.get('www-authenticate')).toBeNull();
    } finally {
      await s.app.stop();
    }
  });

  it('maps a non-Wharf error response (a proxy, another framework) by its status', async () => {
    const proxy = createServer((req, res) => {
      if (req.url?.includes('fail')) {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
      } else if (req.url?.includes('slow')) {
        res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":"slow down"}');
      } else {
        res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"title":"Oops","detail":"their problem"}');
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const app = await caller(url, [faulty]);
    const client = app.client(faulty);
    const gateway = await client.fail({ code: 'ABORTED' }).catch((e: unknown) => e);
    expect(gateway).toMatchObject({ code: 'UNAVAILABLE' });
    expect((gateway as Error).message).toContain('HTTP 502: <html><body>Bad Gateway');
    await expect(client.slow({ ms: 1 })).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    await expect(client.big({ size: 1 })).rejects.toMatchObject({ code: 'INTERNAL', message: 'their problem' });
    await app.stop();
    proxy.close();
  });

  it('answers connection refused with UNAVAILABLE', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const app = await caller(`http://127.0.0.1:${port}`, [faulty]);
    const error = await app
      .client(faulty)
      .slow({ ms: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    await app.stop();
  });

  it('enforces the deadline on the client and sends it, so the handler is cancelled too', async () => {
    const app = await caller(served.url, [faulty]);
    aborted.length = 0;
    const started = Date.now();
    await expect(app.client(faulty).slow({ ms: 2_000 }, { timeoutMs: 150 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await until(() => aborted.length > 0);
    expect(aborted).toEqual(['DEADLINE_EXCEEDED']);
    await app.stop();
  });

  it('cancels on the caller’s signal: the caller gets CANCELLED and the handler’s ctx.signal fires', async () => {
    const app = await caller(served.url, [faulty]);
    aborted.length = 0;
    const controller = new AbortController();
    const started = slowStarted;
    const call = app.client(faulty).slow({ ms: 2_000 }, { signal: controller.signal });
    // Cancel once the handler runs (not after a guessed 50 ms): before that there is no ctx.signal to fire.
    await until(() => slowStarted > started, 10_000);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    await until(() => aborted.length > 0, 10_000);
    expect(aborted).toEqual(['CANCELLED']);
    await app.stop();
  });

  it('refuses a response over the client’s limit with RESOURCE_EXHAUSTED', async () => {
    const app = await caller(served.url, [faulty], { client: { maxResponseBytes: 1_000 } });
    await expect(app.client(faulty).big({ size: 500 })).resolves.toMatchObject({ data: 'x'.repeat(500) });
    await expect(app.client(faulty).big({ size: 5_000 })).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    await app.stop();
  });

  it('refuses to call once closed', async () => {
    const app = await caller(served.url, [faulty]);
    await app.stop();
    await expect(app.client(faulty).slow({ ms: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
