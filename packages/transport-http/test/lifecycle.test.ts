import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { raw, readAll, serve, socketTo, until } from './helpers.js';

const slow = defineContract({
  name: 'slow',
  version: 1,
  methods: {
    work: {
      http: { method: 'GET', path: '/work/:ms' },
      input: z.object({ ms: z.int() }),
      output: z.object({ done: z.boolean() }),
    },
    stubborn: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) },
  },
});

const handled: string[] = [];
/** Handlers that have begun, so a test stops the app once its request is surely in flight. */
const begun: string[] = [];

const service = implement(slow, {
  async work({ ms }, ctx) {
    begun.push(`work ${ms}`);
    await sleep(ms, undefined, { signal: ctx.signal });
    handled.push(`work ${ms}`);
    return { done: true };
  },
  // Ignores ctx.signal: only the drain timeout can end it.
  async stubborn({ ms }) {
    begun.push(`stubborn ${ms}`);
    await sleep(ms);
    return { done: true };
  },
});

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** Sends one keep-alive request on `socket` and resolves with the raw response text. */
function exchange(socket: ReturnType<typeof connect>, path: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString();
      const head = got.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(got);
      if (head >= 0 && length && got.length >= head + 4 + Number(length[1])) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
  });
}

describe('graceful stop', () => {
  it('drains an in-flight request, then refuses new connections', async () => {
    const served = await serve([service]);
    handled.length = 0;
    begun.length = 0;
    const inFlight = raw(served.port, 'GET', '/v1/work/300');
    await until(() => begun.includes('work 300'), 10_000);
    const stopped = served.app.stop().then(() => handled.push('stopped'));
    await sleep(50);
    expect(await refused(served.port)).toBe('ECONNREFUSED');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ done: true });
    expect(res.headers.connection).toBe('close');
    await stopped;
    expect(handled).toEqual(['work 300', 'stopped']);
  });

  it('while draining, answers new requests on kept-alive connections with 503 and Connection: close; health says not ready', async () => {
    // The drain delay must outlast the requests below (each a round trip on a busy machine).
    const served = await serve([service], {}, { shutdown: { signals: false, drainDelayMs: 2_000 } });
    expect((await raw(served.port, 'GET', '/health/ready')).status).toBe(200);
    const socket = await socketTo(served.port);
    const first = await exchange(socket, '/v1/work/1');
    expect(first).toMatch(/^HTTP\/1.1 200 /);
    expect(first.toLowerCase()).toContain('connection: keep-alive');

    const stopped = served.app.stop();
    await sleep(50);
    const closed = readAll(socket);
    const second = await exchange(socket, '/v1/work/1');
    expect(second).toMatch(/^HTTP\/1.1 503 /);
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second).toContain('"code":"UNAVAILABLE"');
    await closed;
    expect(socket.destroyed || socket.readableEnded).toBe(true);

    const ready = await raw(served.port, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({ status: 'not ready', state: 'draining' });
    expect((await raw(served.port, 'GET', '/health/live')).status).toBe(200);
    await stopped;
    expect(await refused(served.port)).toBe('ECONNREFUSED');
  });

  it('never cuts an idle kept-alive connection a request may be on its way to: it answers it, or waits out its keep-alive time', async () => {
    // Closing an idle connection races a client sending on it; the keep-alive time it announced is
    // the point after which clients no longer use it (Node closes it then, plus a 1 s buffer).
    const served = await serve([service], { keepAliveTimeoutMs: 300 });
    const used = await socketTo(served.port);
    const idle = await socketTo(served.port);
    expect(await exchange(used, '/v1/work/1')).toMatch(/^HTTP\/1.1 200 /);
    expect(await exchange(idle, '/v1/work/1')).toMatch(/^HTTP\/1.1 200 /);
    const idleClosed = readAll(idle, 10_000).then(() => Date.now());
    const started = Date.now();
    const stopped = served.app.stop().then(() => Date.now());
    await sleep(100);
    expect(idle.destroyed).toBe(false);
    // A request that was on its way when the drain began is answered, not reset.
    const usedClosed = readAll(used, 10_000);
    const late = await exchange(used, '/v1/work/1');
    expect(late).toMatch(/^HTTP\/1.1 503 /);
    expect(late.toLowerCase()).toContain('connection: close');
    await usedClosed;
    expect((await idleClosed) - started).toBeGreaterThanOrEqual(250);
    expect((await stopped) - started).toBeLessThan(3_000);
  });

  it('ends the drain once a stream that began before it has ended (and its connection closed)', async () => {
    const streaming = defineContract({
      name: 'ticks',
      version: 1,
      methods: { ticks: { stream: 'server', input: z.object({ n: z.int() }), output: z.object({ i: z.int() }) } },
    });
    const ticks = implement(streaming, {
      async *ticks({ n }) {
        for (let i = 0; i < n; i++) {
          await sleep(40);
          yield { i };
        }
      },
    });
    // The stream's headers went out before the drain, without `Connection: close`: the connection
    // closes by its keep-alive time (here short) after the stream ends, or when the client closes it.
    const served = await serve([ticks], { keepAliveTimeoutMs: 300 });
    // Its headers come with the first message: the stream is under way before the drain begins.
    const res = await fetch(`${served.url}/v1/ticks/ticks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":5}',
    });
    const started = Date.now();
    await served.app.stop();
    const text = await res.text();
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).i),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers what is still running with 503 UNAVAILABLE when the drain time is over, then closes', async () => {
    const served = await serve([service], {}, { shutdown: { signals: false, timeoutMs: 200 } });
    begun.length = 0;
    const inFlight = raw(served.port, 'POST', '/v1/slow/stubborn', {
      headers: { 'content-type': 'application/json' },
      body: '{"ms":5000}',
    }).then(
      (res) => `status ${res.status} ${res.json().code} ${res.headers.connection}`,
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );
    await until(() => begun.includes('stubborn 5000'), 10_000);
    const started = Date.now();
    await served.app.stop();
    expect(Date.now() - started).toBeLessThan(1_500);
    // Before: the connection was destroyed in the same abort that cancelled the call, and the
    // caller got ECONNRESET instead of the UNAVAILABLE the cancellation answered.
    expect(await inFlight).toBe('status 503 UNAVAILABLE close');
  });
});
