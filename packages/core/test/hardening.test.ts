// Failure paths found in review: each test reproduces what used to go wrong.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const c = defineContract({
  name: 'hard',
  version: 1,
  methods: {
    slowStream: { input: z.object({ delayMs: z.int() }), output: z.object({ n: z.int() }), stream: 'server' },
    endless: { input: z.object({}), output: z.object({ n: z.int() }), stream: 'server' },
    echoId: { input: z.object({}), output: z.object({ id: z.string(), downstream: z.string() }) },
    id: { input: z.object({}), output: z.object({ id: z.string() }) },
    unsendable: { input: z.object({}), output: z.unknown() },
    run: { input: z.object({}), output: z.object({}) },
  },
});

function service(log: string[]) {
  return implement(c, {
    async slowStream({ delayMs }) {
      await sleep(delayMs);
      return (async function* () {
        try {
          yield { n: 1 };
        } finally {
          log.push('slowStream finally');
        }
      })();
    },
    async *endless() {
      try {
        for (let n = 0; ; n++) yield { n };
      } finally {
        log.push('endless finally');
      }
    },
    async echoId(_i, ctx) {
      const { id } = await ctx.client(c).id({});
      return { id: ctx.requestId, downstream: id };
    },
    async id(_i, ctx) {
      return { id: ctx.requestId };
    },
    async unsendable() {
      return { f: () => 1 };
    },
    async run() {
      log.push('ran');
      return {};
    },
  });
}

describe('hardening', () => {
  it('a stream produced after the deadline passed is ended, and shutdown does not wait for it', async () => {
    const log: string[] = [];
    const app = await createTestApp({ services: [service(log)], shutdown: { timeoutMs: 3_000 } });
    const consume = async () => {
      for await (const _ of app.client(c).slowStream({ delayMs: 100 }, { timeoutMs: 20 })) {
        // not reached
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await sleep(150);
    const started = Date.now();
    await app.stop();
    // Not a 3 s wait for a stream nobody reads (its body never started, so it has nothing to clean up).
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('an abort ends a stream nobody is reading', async () => {
    const log: string[] = [];
    const app = await createTestApp({ services: [service(log)], shutdown: { timeoutMs: 3_000 } });
    const stream = app.client(c).endless({}, { timeoutMs: 50 });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // started, then the reader stalls
    await sleep(120);
    const started = Date.now();
    await app.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(log).toContain('endless finally');
  });

  it('an expired request subscribes to nothing; a cancelled one runs nothing', async () => {
    const log: string[] = [];
    const app = await createTestApp({ services: [service(log)] });
    const run = app.services[0]?.rpcs.find((e) => e.name === 'run');
    if (run === undefined) throw new Error('no endpoint');
    let subscribed = 0;
    const onCancel = () => {
      subscribed++;
      return () => {};
    };
    await expect(
      app.dispatch(run, {}, { transport: 't', metadata: {}, deadline: Date.now() - 1, onCancel }),
    ).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(subscribed).toBe(0);
    await expect(app.dispatch(run, {}, { transport: 't', metadata: {}, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(log).toEqual([]);
    await app.stop();
  });

  it('a deadline beyond what timers hold neither spins nor warns', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const app = await createTestApp({ services: [service([])] });
    const id = app.services[0]?.rpcs.find((e) => e.name === 'id');
    if (id === undefined) throw new Error('no endpoint');
    await app.dispatch(id, {}, { transport: 't', metadata: {}, deadline: Date.now() + 99_999_999_999 });
    await sleep(30);
    process.off('warning', onWarning);
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
    await app.stop();
  });

  it('a hostile inbound request id is neither kept nor passed downstream', async () => {
    const app = await createTestApp({ services: [service([])] });
    const hostile = `evil id "}\n${'x'.repeat(300)}`;
    const { id, downstream } = await app.invoke(c.methods.echoId, {}, { metadata: { 'x-request-id': hostile } });
    expect(id).not.toBe(hostile);
    expect(downstream).toBe(id);
    const explicit = await app.client(c).id({}, { metadata: { 'X-Request-Id': 'bad id\n' } });
    expect(explicit.id).not.toContain('\n');
    await app.stop();
  });

  it('an output that cannot cross a network is INTERNAL for the caller, as a WharfError', async () => {
    const app = await createTestApp({ services: [service([])] });
    const error = await app
      .client(c)
      .unsendable({})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WharfError);
    expect((error as WharfError).code).toBe('INTERNAL');
    await expect(app.emit('hard.thing', { f: () => 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await app.stop();
  });
});
