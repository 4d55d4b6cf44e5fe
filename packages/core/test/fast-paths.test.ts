// What the in-process fast path relies on keeps its promises: compiled schemas parse exactly as
// zod's interpreter does, pending deadlines start from the call and are enforced, request ids
// stay consecutive, and the request log follows runtime level changes.
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClientMiddleware, defineContract, implement } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { deadlineAfter, ended, epochNow } from '../src/lazy-deadline.js';
import { newRequestId } from '../src/metadata.js';
import { FAILED, failure, Parser } from '../src/schema-plan.js';

describe('compiled parsing', () => {
  const schema = z.object({
    name: z.string().min(1).max(8),
    tags: z.array(z.enum(['a', 'b'])).default([]),
    at: z.object({ x: z.number(), y: z.number().optional() }).nullable(),
  });

  it('returns what the interpreter returns, and its issues on failure', () => {
    const parser = new Parser(schema);
    const parse = (value: unknown) => parser.parse(value);
    for (const value of [
      { name: 'ada', at: null },
      { name: 'ada', tags: ['a'], at: { x: 1, y: 2 }, extra: 1 },
    ]) {
      expect(parse(value)).toEqual(schema.parse(value));
    }
    for (const value of [{ name: '', at: null }, { name: 'x'.repeat(9), tags: ['c'], at: { x: 'no' } }, null, 'x']) {
      expect(parse(value)).toBe(FAILED);
      expect(failure.error?.issues).toEqual(schema.safeParse(value).error?.issues);
    }
  });

  it('runs a refinement once per parse, valid or not', () => {
    let runs = 0;
    const refined = z.object({
      n: z.int().refine((n) => {
        runs++;
        return n > 0;
      }),
    });
    const parser = new Parser(refined);
    const parse = (value: unknown) => parser.parse(value);
    expect(parse({ n: 1 })).toEqual({ n: 1 });
    expect(runs).toBe(1);
    expect(parse({ n: -1 })).toBe(FAILED);
    expect(runs).toBe(2);
  });
});

describe('pending deadlines', () => {
  it('an epoch ends when a deadline of it is read, and deadlines count from its end', () => {
    const before = Date.now();
    const epoch = epochNow();
    expect(ended(epoch)).toBe(false);
    const deadline = deadlineAfter(epoch, 1_000);
    expect(ended(epoch)).toBe(true);
    expect(deadline).toBeGreaterThanOrEqual(before + 1_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(epochNow()).not.toBe(epoch);
  });

  it('an epoch ends by itself within a few milliseconds, or after enough calls in one turn', async () => {
    const first = epochNow();
    const issued = Date.now();
    await sleep(20);
    expect(ended(first)).toBe(true);
    expect(first.end).toBeGreaterThanOrEqual(issued);
    expect(first.end).toBeLessThanOrEqual(Date.now());
    const epoch = epochNow();
    let calls = 1;
    while (epochNow() === epoch) calls++;
    expect(ended(epoch)).toBe(true);
    expect(calls).toBeLessThanOrEqual(256);
  });

  const timed = defineContract({
    name: 'timed',
    version: 1,
    methods: {
      deadline: { input: z.object({}), output: z.object({ at: z.number() }) },
      nap: { input: z.object({ ms: z.int() }), output: z.object({}) },
    },
  });
  const service = implement(timed, {
    deadline: async (_input, ctx) => ({ at: ctx.deadline ?? Number.NaN }),
    // Never looks at its context: only the dispatcher's sweep can end it early.
    nap: async ({ ms }) => {
      await sleep(ms);
      return {};
    },
  });

  it('middleware and handler see one deadline, counted from no earlier than the call', async () => {
    const seen: number[] = [];
    const look: ClientMiddleware = (call, next) => {
      seen.push(call.deadline as number);
      return next();
    };
    const app = await createTestApp({ services: [service], middleware: { client: [look] }, defaultTimeoutMs: 5_000 });
    try {
      const before = Date.now();
      const { at } = await app.client(timed).deadline({});
      expect(at).toBe(seen[0]);
      expect(at).toBeGreaterThanOrEqual(before + 5_000);
      expect(at).toBeLessThanOrEqual(Date.now() + 5_000);
    } finally {
      await app.stop();
    }
  });

  it('an unobserved call is still cut off at its deadline', async () => {
    const app = await createTestApp({ services: [service], shutdown: { timeoutMs: 2_000 } });
    try {
      const started = Date.now();
      await expect(app.client(timed).nap({ ms: 1_000 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(45);
      expect(took).toBeLessThan(600);
    } finally {
      await app.stop();
    }
  });

  it('time spent in client middleware counts against the timeout', async () => {
    const slowStart: ClientMiddleware = async (_call, next) => {
      await sleep(80);
      return next();
    };
    const app = await createTestApp({ services: [service], middleware: { client: [slowStart] }, shutdown: { timeoutMs: 2_000 } });
    try {
      await expect(app.client(timed).nap({ ms: 60 }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      await expect(app.client(timed).nap({ ms: 1 }, { timeoutMs: 1_000 })).resolves.toEqual({});
    } finally {
      await app.stop();
    }
  });
});

describe('request ids', () => {
  it('are a process prefix and a counter in base 36, one apart', () => {
    const ids = Array.from({ length: 3_000 }, () => newRequestId());
    const prefix = ids[0]?.slice(0, ids[0].lastIndexOf('-'));
    let previous = Number.NaN;
    for (const id of ids) {
      expect(id.startsWith(`${prefix}-`)).toBe(true);
      const n = Number.parseInt(id.slice(id.lastIndexOf('-') + 1), 36);
      expect(id.slice(id.lastIndexOf('-') + 1)).toBe(n.toString(36));
      if (!Number.isNaN(previous)) expect(n).toBe(previous + 1);
      previous = n;
    }
  });
});

describe('the request log', () => {
  it('follows the logger level as it changes at run time', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const echo = defineContract({ name: 'echo', version: 1, methods: { say: { input: z.object({}), output: z.object({}) } } });
    const app = await createTestApp({ services: [implement(echo, { say: async () => ({}) })], logger });
    const requestLines = () => lines.filter((l) => typeof l.durationMs === 'number').length;
    try {
      await app.client(echo).say({});
      expect(requestLines()).toBe(0);
      logger.level = 'debug';
      await app.client(echo).say({});
      expect(requestLines()).toBe(1);
      logger.level = 'warn';
      await app.client(echo).say({});
      expect(requestLines()).toBe(1);
    } finally {
      await app.stop();
    }
  });
});
