// RED metrics from the middleware, on both pipelines, read back from the exposition.
import { createApp, defineContract, implement, WharfError } from '@wharf/core';
import { observability, type WharfMetrics } from '@wharf/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { sample } from './samples.js';

const calc = defineContract({
  name: 'calc',
  version: '1.0.0',
  methods: {
    divide: { input: z.object({ a: z.number(), b: z.number() }), output: z.object({ q: z.number() }) },
    count: { stream: 'server', input: z.object({ to: z.int() }), output: z.object({ n: z.int() }) },
    hang: { input: z.object({}), output: z.object({}) },
  },
  events: { divided: { payload: z.object({ q: z.number() }) } },
});

let release: () => void = () => {};

describe('RED metrics', () => {
  const obs = observability({ metrics: { runtime: false }, logs: false, tracing: false });
  const metrics = obs.metrics as WharfMetrics;
  const server = createApp({
    ...obs.app,
    name: 'calc',
    logger: { level: 'silent' },
    shutdown: { signals: false },
    services: [
      implement(calc, {
        async divide({ a, b }, ctx) {
          if (b === 0) throw new WharfError('INVALID_ARGUMENT', 'b must not be 0');
          if (a === 13) throw new Error('a bug: 13 is unlucky');
          await ctx.emit(calc.events.divided, { q: a / b });
          return { q: a / b };
        },
        async *count({ to }) {
          for (let n = 1; n <= to; n++) yield { n };
        },
        hang: () => new Promise((resolve) => (release = () => resolve({}))),
      }),
    ],
  });
  // Calls from the app itself go through its client pipeline, then its server pipeline, in memory.
  const caller = server;
  const text = async () => (await metrics.expose()).body;

  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('counts requests by code and observes durations, server and client side', async () => {
    const client = caller.client(calc);
    await client.divide({ a: 6, b: 3 });
    await client.divide({ a: 1, b: 1 });
    await expect(client.divide({ a: 1, b: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.divide({ a: 13, b: 1 })).rejects.toMatchObject({ code: 'INTERNAL' });
    const body = await text();
    const labels = { service: 'calc', method: 'divide', transport: 'memory' };
    expect(sample(body, 'wharf_server_requests_total', { ...labels, code: 'OK' })).toBe(2);
    expect(sample(body, 'wharf_server_requests_total', { ...labels, code: 'INVALID_ARGUMENT' })).toBe(1);
    expect(sample(body, 'wharf_server_requests_total', { ...labels, code: 'INTERNAL' })).toBe(1);
    expect(sample(body, 'wharf_client_requests_total', { ...labels, code: 'OK' })).toBe(2);
    expect(sample(body, 'wharf_client_requests_total', { ...labels, code: 'INTERNAL' })).toBe(1);
    expect(sample(body, 'wharf_server_request_duration_seconds_count', labels)).toBe(4);
    expect(sample(body, 'wharf_server_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(4);
    expect(sample(body, 'wharf_server_request_duration_seconds_bucket', { ...labels, le: '30' })).toBe(4);
    expect(sample(body, 'wharf_server_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    // Emits from the handler: published, with the confirm latency (the in-memory bus confirms at once).
    const event = { service: 'calc', event: 'calc.divided', transport: 'memory' };
    expect(sample(body, 'wharf_events_published_total', { ...event, code: 'OK' })).toBe(2);
    expect(sample(body, 'wharf_event_publish_duration_seconds_count', event)).toBe(2);
  });

  it('counts a request in flight until it answers, and a stream until it ends', async () => {
    const client = caller.client(calc);
    const pending = client.hang({});
    await new Promise((resolve) => setTimeout(resolve, 20));
    const labels = { service: 'calc', method: 'hang', transport: 'memory' };
    expect(sample(await text(), 'wharf_server_requests_in_flight', labels)).toBe(1);
    expect(sample(await text(), 'wharf_client_requests_in_flight', { service: 'calc', method: 'hang' })).toBe(1);
    release();
    await pending;
    expect(sample(await text(), 'wharf_server_requests_in_flight', labels)).toBe(0);

    const stream = client.count({ to: 3 });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const counting = { service: 'calc', method: 'count', transport: 'memory' };
    expect(sample(await text(), 'wharf_server_requests_in_flight', counting)).toBe(1);
    while (!(await iterator.next()).done) {}
    await new Promise((resolve) => setTimeout(resolve, 10));
    const body = await text();
    expect(sample(body, 'wharf_server_requests_in_flight', counting)).toBe(0);
    expect(sample(body, 'wharf_server_requests_total', { ...counting, code: 'OK' })).toBe(1);
  });

  it('counts a stream whose reader stops early as CANCELLED', async () => {
    const stream = caller.client(calc).count({ to: 100 });
    for await (const { n } of stream) if (n === 2) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
    const labels = { service: 'calc', method: 'count', transport: 'memory', code: 'CANCELLED' };
    expect(sample(await text(), 'wharf_server_requests_total', labels)).toBe(1);
  });
});
