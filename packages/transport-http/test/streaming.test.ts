import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement, WharfError } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, type Served, serve, until } from './helpers.js';

const ticker = defineContract({
  name: 'ticker',
  version: 1,
  methods: {
    ticks: {
      http: { method: 'GET', path: '/ticks/:n' },
      stream: 'server',
      input: z.object({ n: z.int().min(0).max(1000), failAt: z.int().optional(), intervalMs: z.int().default(0) }),
      output: z.object({ i: z.int() }),
    },
    late: {
      stream: 'server',
      input: z.object({}),
      output: z.object({ i: z.int() }),
    },
  },
});

const cleanups: string[] = [];

const service = implement(ticker, {
  async *ticks({ n, failAt, intervalMs }, ctx) {
    if (failAt === -1) throw new WharfError('NOT_FOUND', 'No such ticker', { ticker: 'x' });
    try {
      for (let i = 0; i < n; i++) {
        if (i === failAt) throw new WharfError('RESOURCE_EXHAUSTED', `Quota ran out at ${i}`, { at: i });
        if (intervalMs > 0) await sleep(intervalMs, undefined, { signal: ctx.signal });
        yield { i };
      }
    } finally {
      cleanups.push(`ticks ${n}`);
    }
  },
  async *late(_input, ctx) {
    ctx.response.header('x-early', 'yes');
    ctx.response.flushHeaders();
    await sleep(600);
    yield { i: 1 };
    ctx.response.trailer('x-count', '1');
  },
});

let served: Served;
beforeAll(async () => {
  served = await serve([service]);
});
afterAll(async () => {
  await served.app.stop();
});

describe('server streams over HTTP (NDJSON)', () => {
  it('sends one JSON message per line as application/x-ndjson', async () => {
    const res = await fetch(`${served.url}/v1/ticks/3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(await res.text()).toBe('{"i":0}\n{"i":1}\n{"i":2}\n');
  });

  it('streams to a Wharf client', async () => {
    const app = await caller(served.url, [ticker]);
    const seen: number[] = [];
    for await (const { i } of app.client(ticker).ticks({ n: 200 })) seen.push(i);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await app.stop();
  });

  it('answers a failure before the first message with its status and a problem', async () => {
    const res = await fetch(`${served.url}/v1/ticks/3?failAt=-1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', details: { ticker: 'x' } });
    const invalid = await fetch(`${served.url}/v1/ticks/5000`);
    expect(invalid.status).toBe(400);
    const app = await caller(served.url, [ticker]);
    const error = await (async () => {
      for await (const _ of app.client(ticker).ticks({ n: 3, failAt: -1 })) {
        // no messages expected
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'No such ticker', details: { ticker: 'x' } });
    await app.stop();
  });

  it('ends a stream that fails midway with one problem line, which the client throws as the same typed error', async () => {
    const text = await (await fetch(`${served.url}/v1/ticks/5?failAt=2`)).text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, 2)).toEqual([{ i: 0 }, { i: 1 }]);
    expect(lines[2]).toMatchObject({ type: 'urn:wharf:error:RESOURCE_EXHAUSTED', code: 'RESOURCE_EXHAUSTED', status: 429 });
    const app = await caller(served.url, [ticker]);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const { i } of app.client(ticker).ticks({ n: 5, failAt: 2 })) seen.push(i);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1]);
    expect(error).toBeInstanceOf(WharfError);
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: 'Quota ran out at 2', details: { at: 2 } });
    await app.stop();
  });

  it('stops the handler’s stream when the client stops reading', async () => {
    const app = await caller(served.url, [ticker]);
    cleanups.length = 0;
    for await (const { i } of app.client(ticker).ticks({ n: 1000, intervalMs: 5 })) {
      if (i === 2) break;
    }
    await until(() => cleanups.length > 0);
    expect(cleanups).toEqual(['ticks 1000']);
    await app.stop();
  });

  it('bounds a stream by the caller’s deadline', async () => {
    const app = await caller(served.url, [ticker]);
    const seen: number[] = [];
    const error = await (async () => {
      // A second is room for the first ticks even on a busy machine; the whole stream needs 30 s.
      for await (const { i } of app.client(ticker).ticks({ n: 1_000, intervalMs: 30 }, { timeoutMs: 1_000 })) seen.push(i);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(1_000);
    await app.stop();
  });

  it('sends headers at flushHeaders(), before the first message, and trailers after the last', async () => {
    const started = Date.now();
    const result = await new Promise<{ headersAfter: number; early?: string; trailer?: string; body: string }>(
      (resolve, reject) => {
        const req = request(
          `${served.url}/v1/ticker/late`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            const headersAfter = Date.now() - started;
            let body = '';
            res.on('data', (d: Buffer) => {
              body += d;
            });
            res.on('end', () =>
              resolve({ headersAfter, early: res.headers['x-early'] as string, trailer: res.trailers['x-count'], body }),
            );
          },
        );
        req.on('error', reject);
        req.end('{}');
      },
    );
    expect(result.headersAfter).toBeLessThan(500);
    expect(result.early).toBe('yes');
    expect(result.body).toBe('{"i":1}\n');
    expect(result.trailer).toBe('1');
  });
});
