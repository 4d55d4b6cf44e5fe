import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, createApp, defineContract, implement, memoryRegistry, type WharfError } from '@wharf/core';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, raw, type Served, serve, serviceOf } from './helpers.js';

const seen = z.object({
  requestId: z.string(),
  traceparent: z.string().nullable(),
  tracestate: z.string().nullable(),
  baggage: z.string().nullable(),
  authorization: z.string().nullable(),
  custom: z.string().nullable(),
  hop: z.string().nullable(),
  deadline: z.number().nullable(),
});

function observe(ctx: Context): z.infer<typeof seen> {
  const m = ctx.metadata;
  return {
    requestId: ctx.requestId,
    traceparent: m.traceparent ?? null,
    tracestate: m.tracestate ?? null,
    baggage: m.baggage ?? null,
    authorization: m.authorization ?? null,
    custom: m['x-custom'] ?? null,
    hop: m['x-hop'] ?? m['keep-alive'] ?? null,
    deadline: ctx.deadline ?? null,
  };
}

const backend = defineContract({
  name: 'backend',
  version: 1,
  methods: { inspect: { input: z.object({}), output: seen } },
});
const frontend = defineContract({
  name: 'frontend',
  version: 1,
  methods: { relay: { http: { method: 'GET', path: '/relay' }, input: z.object({}), output: z.object({ a: seen, b: seen }) } },
});

let b: Served;
let a: Served;
beforeAll(async () => {
  b = await serve([implement(backend, { inspect: (_input, ctx) => observe(ctx) })]);
  const registry = memoryRegistry([{ id: 'b', service: 'backend', version: '1', address: b.url }]);
  const relay = implement(frontend, {
    async relay(_input, ctx) {
      ctx.response.header('x-served-by', 'frontend');
      ctx.response.trailer('x-trailer', 'as-header');
      return { a: observe(ctx), b: await ctx.client(backend).inspect({}) };
    },
  });
  a = await serve([relay], {}, { registry });
});
afterAll(async () => {
  await a.app.stop();
  await b.app.stop();
});

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('headers ⇄ metadata', () => {
  it('carries the request id, trace context, baggage and identity from A to B over HTTP, and B’s deadline is no later than A’s', async () => {
    const before = Date.now();
    const res = await raw(a.port, 'GET', '/v1/relay', {
      headers: {
        'x-request-id': 'chain-req-1',
        traceparent: TRACE,
        tracestate: 'vendor=1',
        baggage: 'tenant=acme',
        authorization: 'Bearer token-1',
        'x-wharf-timeout-ms': '5000',
        'x-custom': 'only-for-a',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('chain-req-1');
    const { a: atA, b: atB } = res.json<{ a: z.infer<typeof seen>; b: z.infer<typeof seen> }>();
    expect(atA).toMatchObject({
      requestId: 'chain-req-1',
      traceparent: TRACE,
      tracestate: 'vendor=1',
      baggage: 'tenant=acme',
      authorization: 'Bearer token-1',
      custom: 'only-for-a',
    });
    expect(atB).toMatchObject({
      requestId: 'chain-req-1',
      tracestate: 'vendor=1',
      baggage: 'tenant=acme',
      authorization: 'Bearer token-1',
      // Other headers stay with the request that carried them.
      custom: null,
    });
    expect(atB.traceparent?.split('-')[1]).toBe(TRACE.split('-')[1]);
    expect(atA.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(atA.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(atB.deadline).not.toBeNull();
    expect(atB.deadline as number).toBeLessThanOrEqual(atA.deadline as number);
  });

  it('gives a request without a deadline the default timeout, and passes it on', async () => {
    const before = Date.now();
    const res = await raw(a.port, 'GET', '/v1/relay');
    const { a: atA, b: atB } = res.json<{ a: z.infer<typeof seen>; b: z.infer<typeof seen> }>();
    expect(atA.deadline).toBeGreaterThanOrEqual(before + 30_000);
    expect(atA.deadline).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(atB.deadline as number).toBeLessThanOrEqual(atA.deadline as number);
    expect(atA.requestId).toBe(res.headers['x-request-id']);
    expect(atB.requestId).toBe(atA.requestId);
  });

  it('replaces an unsafe request id with a new one, and echoes the one used', async () => {
    const res = await raw(a.port, 'GET', '/v1/relay', { headers: { 'x-request-id': 'has spaces and <html>' } });
    const used = res.headers['x-request-id'] as string;
    expect(used).toMatch(/^[\w.:@/+=-]{1,128}$/);
    expect(res.json<{ a: { requestId: string } }>().a.requestId).toBe(used);
  });

  it('turns ctx.response headers (and unary trailers) into response headers', async () => {
    const res = await raw(a.port, 'GET', '/v1/relay');
    expect(res.headers['x-served-by']).toBe('frontend');
    expect(res.headers['x-trailer']).toBe('as-header');
  });

  it('keeps hop-by-hop headers, and those the Connection header names, out of the metadata', async () => {
    const res = await raw(a.port, 'GET', '/v1/relay', {
      headers: { connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'keep-alive': 'timeout=5' },
    });
    expect(res.json<{ a: { hop: string | null } }>().a.hop).toBeNull();
  });

  it('uses the caller’s absolute deadline when it is earlier and the clocks agree, and ignores it when they do not', async () => {
    const relay = async (headers: Record<string, string>) =>
      (await raw(a.port, 'GET', '/v1/relay', { headers })).json<{ a: { deadline: number } }>().a.deadline;
    const now = Date.now();
    // Spent 50 ms in transit: the absolute deadline is the earlier, truthful one.
    expect(await relay({ 'x-wharf-timeout-ms': '5000', 'x-wharf-deadline': String(now + 4_950) })).toBe(now + 4_950);
    // A caller whose clock is a minute behind: its absolute deadline is skew, the remaining time counts.
    const skewed = await relay({ 'x-wharf-timeout-ms': '5000', 'x-wharf-deadline': String(now - 60_000) });
    expect(skewed).toBeGreaterThanOrEqual(now + 5_000);
    // The absolute deadline alone never extends or sets anything.
    const alone = await relay({ 'x-wharf-deadline': String(now + 1_000) });
    expect(alone).toBeGreaterThanOrEqual(now + 30_000);
  });

  it('lets a plain fetch client set the deadline header', async () => {
    const res = await fetch(`${a.url}/v1/relay`, { headers: { 'x-wharf-timeout-ms': '1234' } });
    const { a: atA } = (await res.json()) as { a: { deadline: number } };
    expect(atA.deadline - Date.now()).toBeLessThanOrEqual(1_234);
  });

  it('a caller-only app never listens', async () => {
    const transport = httpTransport({ port: 0 });
    const app = createApp({ transports: [transport], logger: { level: 'silent' }, shutdown: { signals: false } });
    await app.start();
    expect(transport.port).toBeUndefined();
    expect(app.addresses.some((address) => address.startsWith('http:'))).toBe(false);
    await app.stop();
  });
});

describe('a call from a handler whose own deadline passes', () => {
  it('fails with DEADLINE_EXCEEDED, as over every transport, whichever of the signal and the timer fires first', async () => {
    const sleeper = defineContract({
      name: 'sleeper',
      version: 1,
      methods: { nap: { input: z.object({ ms: z.int() }), output: z.object({}) } },
    });
    const calling = defineContract({
      name: 'calling',
      version: 1,
      methods: { call: { input: z.object({ ms: z.int() }), output: z.object({}) } },
    });
    const codes: string[] = [];
    const s = await serve([
      implement(sleeper, {
        async nap({ ms }, ctx) {
          await sleep(ms, undefined, { signal: ctx.signal }).catch(() => {});
          return {};
        },
      }),
    ]);
    const registry = memoryRegistry([{ id: 's', service: 'sleeper', version: '1', address: s.url }]);
    const c = await serve(
      [
        implement(calling, {
          async call({ ms }, ctx) {
            try {
              await ctx.client(sleeper).nap({ ms });
            } catch (error) {
              codes.push((error as WharfError).code);
              throw error;
            }
            return {};
          },
        }),
      ],
      {},
      { registry },
    );
    const app = await caller(c.url, [serviceOf(calling.methods.call)]);
    for (let i = 0; i < 6; i++) {
      await expect(app.client(calling).call({ ms: 2_000 }, { timeoutMs: 150 })).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
    }
    await expect.poll(() => codes.length).toBe(6);
    expect(codes).toEqual(Array.from({ length: 6 }, () => 'DEADLINE_EXCEEDED'));
    await app.stop();
    await c.app.stop();
    await s.app.stop();
  });
});
