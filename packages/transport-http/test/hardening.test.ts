// Failure paths found in review; each test reproduces what used to go wrong over real sockets.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement, WharfError } from '@wharf/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, raw, type Served, serve, serviceOf } from './helpers.js';

const log: string[] = [];
const c = defineContract({
  name: 'hard',
  version: 1,
  methods: {
    bigint: { input: z.object({}), output: z.object({}), http: { method: 'POST', path: '/bigint' } },
    cookie: { input: z.object({}), output: z.object({}), http: { method: 'POST', path: '/cookie' } },
    flood: {
      input: z.object({}),
      output: z.object({ line: z.string() }),
      stream: 'server',
      http: { method: 'GET', path: '/flood' },
    },
    ok: { input: z.object({}), output: z.object({ ok: z.boolean() }), http: { method: 'GET', path: '/ok' } },
  },
});

const service = implement(c, {
  async bigint() {
    throw new WharfError('NOT_FOUND', 'no such thing', { id: 42n as unknown as number });
  },
  async cookie(_input, ctx) {
    ctx.response.header('set-cookie', 'session=secret');
    ctx.response.trailer('retry-after', '7');
    throw new WharfError('PERMISSION_DENIED', 'not yours');
  },
  async *flood() {
    try {
      const line = 'x'.repeat(16 * 1024);
      for (;;) yield { line };
    } finally {
      log.push('flood finally');
    }
  },
  async ok() {
    return { ok: true };
  },
});

let served: Served | undefined;
afterEach(async () => {
  await served?.app.stop();
  served = undefined;
});

describe('HTTP hardening', () => {
  it('onRequest runs before routing on every request: it may answer, or set headers and go on', async () => {
    const seen: string[] = [];
    const s = await serve([service], {
      onRequest(req, res, next) {
        seen.push(`${req.method} ${req.url}`);
        if (req.url === '/v1/ok?refuse=1') {
          res.writeHead(429, { 'retry-after': '1' }).end();
          return;
        }
        res.setHeader('x-edge', 'yes');
        setImmediate(next); // asynchronously, as a limiter backed by a store would
      },
    });
    try {
      const ok = await fetch(`${s.url}/v1/ok`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-edge')).toBe('yes');
      expect(ok.headers.get('x-request-id')).not.toBeNull();
      const refused = await fetch(`${s.url}/v1/ok?refuse=1`);
      expect(refused.status).toBe(429);
      const missing = await fetch(`${s.url}/nowhere`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-edge')).toBe('yes');
      expect(seen).toEqual(['GET /v1/ok', 'GET /v1/ok?refuse=1', 'GET /nowhere']);
    } finally {
      await s.app.stop();
    }
  });

  it('an error whose details are not JSON is answered without them, and the process lives', async () => {
    served = await serve([service]);
    const res = await raw(served.port, 'POST', '/v1/bigint', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'no such thing' });
    expect(res.json().details).toBeUndefined();
  });

  it("a handler's headers do not ride on its error answer; its trailers do", async () => {
    served = await serve([service]);
    const res = await raw(served.port, 'POST', '/v1/cookie', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['retry-after']).toBe('7');
  });

  it('a reader that stops reading a stream is cut off at the deadline, and the handler stops', async () => {
    served = await serve([service], {}, { shutdown: { timeoutMs: 5_000 } });
    const socket = connect(served.port, '127.0.0.1');
    socket.pause(); // never reads: the server's writes back up
    socket.write('GET /v1/flood HTTP/1.1\r\nhost: x\r\nx-wharf-timeout-ms: 300\r\n\r\n');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    const until = Date.now() + 3_000;
    while (!log.includes('flood finally') && Date.now() < until) await sleep(20);
    expect(log).toContain('flood finally');
    socket.resume();
    await closed;
    const started = Date.now();
    await served.app.stop();
    served = undefined;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a client is answered at its deadline when a peer sends error headers and then stalls', async () => {
    const stalling = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'content-length': '1000' });
      res.write('{"code":'); // and nothing more
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const { port } = stalling.address() as { port: number };
    const app = await caller(`http://127.0.0.1:${port}`, [serviceOf(c.methods.ok)]);
    const started = Date.now();
    await expect(app.client(c).ok({}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(1_500);
    await app.stop();
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
  });

  it('a remaining time too large for a timer neither warns nor cuts the call short', async () => {
    served = await serve([service]);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const res = await raw(served.port, 'GET', '/v1/ok', { headers: { 'x-wharf-timeout-ms': '99999999999' } });
    await sleep(30);
    process.off('warning', onWarning);
    expect(res.status).toBe(200);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});
