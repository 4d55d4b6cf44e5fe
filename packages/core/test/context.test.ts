import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CallMiddleware,
  createApp,
  defineContract,
  implement,
  MemoryNetwork,
  memoryRegistry,
  memoryTransport,
  on,
} from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const seen = z.object({
  requestId: z.string(),
  traceparent: z.string().nullable(),
  authorization: z.string().nullable(),
  custom: z.string().nullable(),
  deadline: z.number().nullable(),
  transport: z.string(),
});

const b = defineContract({ name: 'b', version: 1, methods: { inspect: { input: z.object({}), output: seen } } });
const a = defineContract({
  name: 'a',
  version: 1,
  methods: { relay: { input: z.object({}), output: z.object({ a: seen, b: seen }) } },
  events: { relayed: { payload: z.object({}) } },
});

function snapshot(ctx: { requestId: string; metadata: Record<string, string>; deadline: number | undefined; transport: string }) {
  return {
    requestId: ctx.requestId,
    traceparent: ctx.metadata.traceparent ?? null,
    authorization: ctx.metadata.authorization ?? null,
    custom: ctx.metadata['x-custom'] ?? null,
    deadline: ctx.deadline ?? null,
    transport: ctx.transport,
  };
}

const bService = implement(b, { inspect: async (_i, ctx) => snapshot(ctx) });
const eventsSeen: Record<string, unknown>[] = [];
const aService = implement(
  a,
  {
    async relay(_i, ctx) {
      const fromB = await ctx.client(b).inspect({}, { timeoutMs: 60_000 });
      await ctx.emit(a.events.relayed, {});
      return { a: snapshot(ctx), b: fromB };
    },
  },
  {
    on: {
      onRelayed: on('a.relayed', {
        input: z.object({}),
        handler: async (_p, ctx) => {
          eventsSeen.push({ requestId: ctx.requestId, traceparent: ctx.metadata.traceparent, event: ctx.event });
        },
      }),
    },
  },
);

describe('context propagation', () => {
  it('a call chain A → B keeps the request id, trace context and identity; B never gets more time than A', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    const apps = [
      createApp({
        name: 'b-app',
        services: [bService],
        transports: [memoryTransport({ network })],
        registry,
        logger: { level: 'silent' },
      }),
      createApp({
        name: 'a-app',
        services: [aService],
        transports: [memoryTransport({ network })],
        registry,
        logger: { level: 'silent' },
      }),
    ];
    await Promise.all(apps.map((x) => x.start()));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const caller = apps[1]!;
    const result = await caller.client(a).relay(
      {},
      {
        timeoutMs: 2_000,
        metadata: { 'x-request-id': 'req-42', traceparent, authorization: 'Bearer t0k3n', 'x-custom': 'only-for-a' },
      },
    );
    expect(result.a).toMatchObject({
      requestId: 'req-42',
      traceparent,
      authorization: 'Bearer t0k3n',
      custom: 'only-for-a',
      transport: 'memory',
    });
    expect(result.b).toMatchObject({ requestId: 'req-42', traceparent, authorization: 'Bearer t0k3n', custom: null });
    expect(result.b.deadline).not.toBeNull();
    expect(result.b.deadline as number).toBeLessThanOrEqual(result.a.deadline as number);
    await sleep(20);
    expect(eventsSeen.at(-1)).toMatchObject({
      requestId: 'req-42',
      traceparent,
      event: { name: 'a.relayed', emitter: 'a', attempt: 1 },
    });
    await Promise.all(apps.map((x) => x.stop()));
  });

  it('a request without an id gets one; a hostile id is replaced', async () => {
    const app = await createTestApp({ services: [bService] });
    const fresh = await app.client(b).inspect({});
    expect(fresh.requestId).toMatch(/^[\w-]+-[0-9a-z]+$/);
    const other = await app.client(b).inspect({});
    expect(other.requestId).not.toBe(fresh.requestId);
    const hostile = await app.invoke(b.methods.inspect, {}, { metadata: { 'x-request-id': 'x\n{"level":60}' } });
    expect(hostile.requestId).not.toContain('\n');
    const tooLong = await app.invoke(b.methods.inspect, {}, { metadata: { 'x-request-id': 'a'.repeat(129) } });
    expect(tooLong.requestId).toHaveLength(fresh.requestId.length);
    await app.stop();
  });

  it('ctx.log is bound to the request', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const logging = implement(b, {
      async inspect(_i, ctx) {
        ctx.log.info({ extra: 1 }, 'inside the handler');
        return snapshot(ctx);
      },
    });
    const app = await createTestApp({ services: [logging], logger });
    await app.client(b).inspect({}, { metadata: { 'x-request-id': 'req-log' } });
    expect(lines.find((l) => l.msg === 'inside the handler')).toMatchObject({
      requestId: 'req-log',
      service: 'b',
      method: 'inspect',
      extra: 1,
    });
    await app.stop();
  });

  it('bindLog adds fields to ctx.log, before or after the log was first read, each once', async () => {
    const raw: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => raw.push(line) });
    const logging = implement(b, {
      async inspect(_i, ctx) {
        ctx.log.info('inside the handler');
        return snapshot(ctx);
      },
    });
    const early: CallMiddleware = (call, next) => {
      if (call.side === 'server') call.bindLog({ tenant: 'acme', zone: 'a' });
      return next();
    };
    const late: CallMiddleware = (call, next) => {
      if (call.side !== 'server') return next();
      call.log.info('before the binding'); // the request's child exists from here on
      call.bindLog({ 'trace.id': 't-1' });
      return next();
    };
    const app = await createTestApp({
      services: [logging],
      logger,
      middleware: { server: ({ validation }) => [early, late, validation] },
    });
    await app.client(b).inspect({}, { metadata: { 'x-request-id': 'req-bound' } });
    await app.stop();
    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    const before = lines.find((l) => l.msg === 'before the binding');
    expect(before).toMatchObject({ requestId: 'req-bound', tenant: 'acme', zone: 'a' });
    expect(before).not.toHaveProperty('trace.id');
    const inside = raw.find((l) => l.includes('inside the handler')) as string;
    expect(JSON.parse(inside)).toMatchObject({ requestId: 'req-bound', tenant: 'acme', 'trace.id': 't-1', method: 'inspect' });
    for (const key of ['"tenant"', '"trace.id"', '"requestId"']) expect(inside.split(key).length - 1).toBe(1);
  });

  it('the request log writes one line per request at its level', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = await createTestApp({ services: [bService], logger, requestLog: { level: 'info' } });
    await app.client(b).inspect({}, { metadata: { 'x-request-id': 'req-line' } });
    await app.invoke(b.methods.inspect, 'bad' as never).catch(() => {});
    const requestLines = lines.filter((l) => typeof l.durationMs === 'number');
    expect(requestLines).toHaveLength(2);
    expect(requestLines[0]).toMatchObject({
      level: 30,
      requestId: 'req-line',
      service: 'b',
      method: 'inspect',
      code: 'OK',
      transport: 'memory',
    });
    expect(requestLines[1]).toMatchObject({ code: 'INVALID_ARGUMENT', transport: 'test' });
    await app.stop();
  });
});
