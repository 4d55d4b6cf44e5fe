import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Context,
  createApp,
  defineContract,
  implement,
  MemoryNetwork,
  memoryRegistry,
  memoryTransport,
  WharfError,
} from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { cancelHook } from './cancel-hook.js';

const slow = defineContract({
  name: 'slow',
  version: 1,
  methods: {
    wait: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) },
    stubborn: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) },
    remaining: { input: z.object({}), output: z.object({ ms: z.number(), deadline: z.number().nullable() }) },
    ticks: { input: z.object({ every: z.int() }), output: z.object({ n: z.int() }), stream: 'server' },
    onward: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) },
  },
});

/** How the calls `onward` made ended. */
const innerCodes: string[] = [];

/** Calls `slow.wait` from a handler (reading its signal first, as one passing it to fetch would), noting how it failed. */
async function waitOn(ctx: Context, ms: number): Promise<{ done: boolean }> {
  ctx.signal.throwIfAborted();
  try {
    return await ctx.client(slow).wait({ ms });
  } catch (error) {
    innerCodes.push((error as WharfError).code);
    throw error;
  }
}

/** Six calls of `call` whose deadline passes while they call on: each inner call must fail DEADLINE_EXCEEDED. */
async function expectInnerDeadlines(call: () => Promise<unknown>): Promise<void> {
  innerCodes.length = 0;
  for (let i = 0; i < 6; i++) await expect(call()).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  await expect.poll(() => innerCodes.length).toBe(6);
  expect(innerCodes).toEqual(Array.from({ length: 6 }, () => 'DEADLINE_EXCEEDED'));
}

interface Seen {
  aborted?: unknown;
  handlerRan?: boolean;
}

function service(seen: Seen) {
  return implement(slow, {
    async wait({ ms }, ctx: Context) {
      seen.handlerRan = true;
      ctx.signal.addEventListener('abort', () => {
        seen.aborted = ctx.signal.reason;
      });
      await sleep(ms, undefined, { signal: ctx.signal });
      return { done: true };
    },
    async stubborn({ ms }) {
      // Ignores its signal entirely: the caller must still be answered on time.
      await sleep(ms);
      return { done: true };
    },
    async remaining(_input, ctx) {
      return { ms: ctx.remainingMs(), deadline: ctx.deadline ?? null };
    },
    async *ticks({ every }, ctx) {
      for (let n = 0; ; n++) {
        yield { n };
        await sleep(every, undefined, { signal: ctx.signal });
      }
    },
    // Calls on with its own ctx, so the inner call inherits its deadline and its signal.
    onward: ({ ms }, ctx) => waitOn(ctx, ms),
  });
}

describe('deadlines', () => {
  it('a call past its deadline fails with DEADLINE_EXCEEDED and the handler signal fires', async () => {
    const seen: Seen = {};
    const app = await createTestApp({ services: [service(seen)] });
    const started = Date.now();
    const error = await app
      .client(slow)
      .wait({ ms: 5_000 }, { timeoutMs: 60 })
      .catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(WharfError);
    expect((error as WharfError).code).toBe('DEADLINE_EXCEEDED');
    expect(took).toBeGreaterThanOrEqual(55);
    expect(took).toBeLessThan(2_000);
    expect(seen.aborted).toBeInstanceOf(WharfError);
    expect((seen.aborted as WharfError).code).toBe('DEADLINE_EXCEEDED');
    await app.stop();
  });

  it('the caller is answered on time even when the handler ignores its signal', async () => {
    const app = await createTestApp({ services: [service({})], shutdown: { timeoutMs: 2_000 } });
    const started = Date.now();
    // The handler's 1.5 s against a 50 ms deadline: answered on time is far from answered when it ends,
    // with room for a busy machine's timer lag in between.
    await expect(app.client(slow).stubborn({ ms: 1_500 }, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    await app.stop();
  });

  it('an already-expired request is refused without running the handler', async () => {
    const seen: Seen = {};
    const app = await createTestApp({ services: [service(seen)] });
    await expect(app.invoke(slow.methods.wait, { ms: 1 }, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(seen.handlerRan).toBeUndefined();
    await app.stop();
  });

  it('the handler sees its deadline and the remaining time; a default applies when the caller sets none', async () => {
    const app = await createTestApp({ services: [service({})], defaultTimeoutMs: 5_000 });
    const before = Date.now();
    const explicit = await app.client(slow).remaining({}, { timeoutMs: 1_000 });
    expect(explicit.ms).toBeGreaterThan(900);
    expect(explicit.ms).toBeLessThanOrEqual(1_000);
    expect(explicit.deadline).toBeGreaterThanOrEqual(before + 1_000);
    const byDefault = await app.client(slow).remaining({});
    expect(byDefault.ms).toBeGreaterThan(4_000);
    expect(byDefault.ms).toBeLessThanOrEqual(5_000);
    await app.stop();
    const none = await createTestApp({ services: [service({})], defaultTimeoutMs: null });
    await expect(none.client(slow).remaining({})).resolves.toEqual({ ms: Number.POSITIVE_INFINITY, deadline: null });
    await none.stop();
  });

  it('a server stream is bounded by the deadline as a whole', async () => {
    const app = await createTestApp({ services: [service({})] });
    const received: number[] = [];
    const consume = async () => {
      for await (const { n } of app.client(slow).ticks({ every: 10 }, { timeoutMs: 120 })) received.push(n);
    };
    await expect(consume()).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(received.length).toBeGreaterThan(2);
    expect(received.length).toBeLessThan(20);
    await app.stop();
  });
});

describe('a deadline never looks like a clean end', () => {
  it('a server stream cut by its deadline while the reader paused fails DEADLINE_EXCEEDED, it does not just end', async () => {
    const app = await createTestApp({ services: [service({})] });
    const iterator = app.client(slow).ticks({ every: 0 }, { timeoutMs: 150 })[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { n: 0 } });
    await sleep(300); // the reader pauses past the deadline
    const rest = async () => {
      for (let read = 0; read < 10_000; read++) if ((await iterator.next()).done) return 'ended as if complete';
      return 'still going';
    };
    // Before: the dispatcher returned the stream at the deadline and the next read said done.
    await expect(rest()).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await app.stop();
  });

  it('a call a handler makes fails DEADLINE_EXCEEDED when the handler’s own deadline passes, not CANCELLED', async () => {
    const app = await createTestApp({ services: [service({})] });
    await expectInnerDeadlines(() => app.client(slow).onward({ ms: 5_000 }, { timeoutMs: 60 }));
    await app.stop();
  });

  it('the same across two apps on one in-memory network, whichever dispatcher’s timer fires first', async () => {
    const network = new MemoryNetwork();
    const registry = memoryRegistry();
    const options = { registry, logger: { level: 'silent' }, shutdown: { signals: false as const } };
    const callee = createApp({ ...options, name: 'callee', services: [service({})], transports: [memoryTransport({ network })] });
    await callee.start();
    // The caller's app holds the handler; the callee's dispatcher has its own sweep timer.
    const front = defineContract({
      name: 'front',
      version: 1,
      methods: { relay: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) } },
    });
    const caller = createApp({
      ...options,
      name: 'caller',
      services: [implement(front, { relay: ({ ms }, ctx) => waitOn(ctx, ms) })],
      transports: [memoryTransport({ network })],
    });
    await caller.start();
    await expectInnerDeadlines(() => caller.client(front).relay({ ms: 5_000 }, { timeoutMs: 60 }));
    await caller.stop();
    await callee.stop();
  });
});

describe('cancellation', () => {
  it('aborting the caller signal cancels the call and fires the handler signal', async () => {
    const seen: Seen = {};
    const app = await createTestApp({ services: [service(seen)] });
    const controller = new AbortController();
    const pending = app.client(slow).wait({ ms: 5_000 }, { signal: controller.signal });
    await sleep(30);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((seen.aborted as WharfError).code).toBe('CANCELLED');
    await app.stop();
  });

  it('a transport may register a cancel callback instead of passing a signal', async () => {
    const seen: Seen = {};
    const app = await createTestApp({ services: [service(seen)] });
    const endpoint = app.services[0]?.rpcs.find((e) => e.name === 'wait');
    if (endpoint === undefined) throw new Error('no endpoint');
    const hook = cancelHook();
    const pending = app.dispatch(endpoint, { ms: 5_000 }, { transport: 'test', metadata: {}, onCancel: hook.onCancel });
    await sleep(20);
    hook.cancel();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((seen.aborted as WharfError).code).toBe('CANCELLED');
    await sleep(10);
    expect(hook.unsubscribed).toBe(1);
    const done = await app.dispatch(endpoint, { ms: 1 }, { transport: 'test', metadata: {}, onCancel: hook.onCancel });
    expect(done).toEqual({ done: true });
    expect(hook.unsubscribed).toBe(2);
    await app.stop();
  });

  it('a transport’s cancel reaches what its handler called in-process, with no AbortSignal made for the handler', async () => {
    const seen: Seen = {};
    const front = defineContract({
      name: 'front',
      version: 1,
      methods: { relay: { input: z.object({}), output: z.object({ done: z.boolean() }) } },
    });
    const codes: string[] = [];
    const relay = implement(front, {
      async relay(_input, ctx) {
        try {
          return await ctx.client(slow).wait({ ms: 5_000 });
        } catch (error) {
          codes.push((error as WharfError).code);
          throw error;
        }
      },
    });
    const app = await createTestApp({ services: [service(seen), relay] });
    const endpoint = app.services[1]?.rpcs[0];
    if (endpoint === undefined) throw new Error('no endpoint');
    const hook = cancelHook();
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      const pending = app.dispatch(endpoint, {}, { transport: 'test', metadata: {}, onCancel: hook.onCancel });
      await sleep(20);
      hook.cancel();
      await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
      await expect.poll(() => codes).toEqual(['CANCELLED']);
      expect((seen.aborted as WharfError).code).toBe('CANCELLED');
      expect(made).toBe(1); // the inner handler's, which reads its ctx.signal; none for the relay
    } finally {
      globalThis.AbortController = Original;
    }
    await app.stop();
  });

  it('a signal aborted before the call is sent fails at once', async () => {
    const seen: Seen = {};
    const app = await createTestApp({ services: [service(seen)] });
    await expect(app.client(slow).wait({ ms: 1 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen.handlerRan).toBeUndefined();
    await app.stop();
  });

  it('returning early from a stream stops the handler', async () => {
    let finished = false;
    const counting = implement(slow, {
      wait: async () => ({ done: true }),
      stubborn: async () => ({ done: true }),
      remaining: async () => ({ ms: 0, deadline: null }),
      onward: async () => ({ done: true }),
      async *ticks() {
        try {
          for (let n = 0; ; n++) yield { n };
        } finally {
          finished = true;
        }
      },
    });
    const app = await createTestApp({ services: [counting] });
    for await (const { n } of app.client(slow).ticks({ every: 0 })) if (n === 3) break;
    await sleep(10);
    expect(finished).toBe(true);
    await app.stop();
  });
});
