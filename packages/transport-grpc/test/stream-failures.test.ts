// How client and bidi streams fail: a cancelled call's input never ends cleanly on the server, a
// caller's bad input is a WharfError that leaves nothing in flight, and a handler that returns no
// stream is a logged INTERNAL rather than a hung call.
import { setTimeout as sleep } from 'node:timers/promises';
import { type App, defineContract, implement, WharfError } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, serve } from './helpers.js';

const inputs = defineContract({
  name: 'inputs',
  version: 1,
  methods: {
    tally: { input: z.object({ id: z.string(), n: z.int32() }), output: z.object({ total: z.int() }), stream: 'client' },
    relay: { input: z.object({ id: z.string(), text: z.string() }), output: z.object({ text: z.string() }), stream: 'bidi' },
    nothing: { input: z.object({}), output: z.object({ i: z.int() }), stream: 'server' },
  },
});

/** How each handler's iteration over its input ended, by call id. */
interface Outcome {
  readonly ended?: number;
  readonly failed?: string;
  readonly signalAborted?: boolean;
}
const outcomes = new Map<string, Outcome>();
/** Messages each handler has seen, by call id. */
const seen = new Map<string, number>();

const service = implement(inputs, {
  async tally(input, ctx) {
    let id = '';
    let total = 0;
    try {
      for await (const message of input) {
        id = message.id;
        total += message.n;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    } catch (error) {
      outcomes.set(id, { failed: (error as WharfError).code, signalAborted: ctx.signal.aborted });
      throw error;
    }
    outcomes.set(id, { ended: total });
    return { total };
  },
  async *relay(input, ctx) {
    let id = '';
    let count = 0;
    try {
      for await (const message of input) {
        id = message.id;
        count++;
        seen.set(id, count);
        yield { text: message.text.toUpperCase() };
      }
    } catch (error) {
      outcomes.set(id, { failed: (error as WharfError).code, signalAborted: ctx.signal.aborted });
      throw error;
    }
    outcomes.set(id, { ended: count });
  },
  // A handler that breaks its contract: a server stream that returns no stream at all.
  nothing: (async () => undefined) as never,
});

let server: Awaited<ReturnType<typeof serve>>;
let app: App;

beforeAll(async () => {
  server = await serve([service]);
  app = await caller();
});

afterAll(async () => {
  await app.stop();
  await server.app.stop();
});

describe('a cancelled call’s input stream fails on the server, it never ends cleanly', () => {
  it('client stream: the caller aborts after two messages; the handler’s for await throws CANCELLED, ctx.signal has fired', async () => {
    const id = 'aborted-tally';
    const controller = new AbortController();
    async function* numbers() {
      yield { id, n: 1 };
      yield { id, n: 2 };
      await expect.poll(() => seen.get(id)).toBe(2);
      controller.abort();
      await sleep(50);
    }
    await expect(
      app.client(inputs).tally(numbers(), { address: server.address, signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect.poll(() => outcomes.get(id)).toBeDefined();
    expect(outcomes.get(id)).toEqual({ failed: 'CANCELLED', signalAborted: true });
  });

  it('client stream: an input iterator that throws fails the call CANCELLED with its reason, and the handler’s input fails too', async () => {
    const id = 'throwing-tally';
    async function* numbers() {
      yield { id, n: 1 };
      await expect.poll(() => seen.get(id)).toBe(1);
      throw new Error('the source broke');
    }
    const call = app.client(inputs).tally(numbers(), { address: server.address });
    await expect(call).rejects.toBeInstanceOf(WharfError);
    await expect(call).rejects.toMatchObject({
      code: 'CANCELLED',
      message: 'The input stream of inputs.tally failed: the source broke',
    });
    await expect.poll(() => outcomes.get(id)).toBeDefined();
    expect(outcomes.get(id)).toEqual({ failed: 'CANCELLED', signalAborted: true });
  });

  it('bidi: breaking out of the replies cancels the call; the handler’s input throws CANCELLED', async () => {
    const id = 'broken-relay';
    async function* words() {
      yield { id, text: 'a' };
      yield { id, text: 'b' };
      await sleep(200);
    }
    const replies: string[] = [];
    for await (const { text } of app.client(inputs).relay(words(), { address: server.address })) {
      replies.push(text);
      if (replies.length === 2) break;
    }
    expect(replies).toEqual(['A', 'B']);
    await expect.poll(() => outcomes.get(id)).toBeDefined();
    expect(outcomes.get(id)).toEqual({ failed: 'CANCELLED', signalAborted: true });
  });

  it('a clean end is still a clean end, call after call', async () => {
    for (let i = 0; i < 20; i++) {
      const id = `clean-${i}`;
      await expect(
        app.client(inputs).tally(
          [
            { id, n: i },
            { id, n: 1 },
          ],
          { address: server.address },
        ),
      ).resolves.toEqual({ total: i + 1 });
      expect(outcomes.get(id)).toEqual({ ended: i + 1 });
    }
  });
});

describe('a caller’s input that is not a stream', () => {
  it('fails INVALID_ARGUMENT before anything is sent, and leaves no call in flight for stop() to wait on', async () => {
    const c = await caller({}, { shutdown: { signals: false, timeoutMs: 10_000 } });
    const client = c.client(inputs);
    const notStreams: unknown[] = [{ id: 'x', n: 1 }, undefined, null, 42];
    for (const input of notStreams) {
      const call = client.tally(input as never, { address: server.address });
      await expect(call).rejects.toBeInstanceOf(WharfError);
      await expect(call).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(
          /^The input of inputs\.tally is a client stream: pass an AsyncIterable or an Iterable of messages \(an async generator or an array\); got /,
        ),
      });
    }
    const bidi = async () => {
      for await (const _ of client.relay({ id: 'x', text: 'a' } as never, { address: server.address }));
    };
    await expect(bidi()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('is a bidi stream'),
    });
    const started = Date.now();
    await c.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an iterable whose iterator cannot be had fails the call with a WharfError, and leaves no call in flight', async () => {
    const c = await caller({}, { shutdown: { signals: false, timeoutMs: 10_000 } });
    const client = c.client(inputs);
    const throwing = {
      [Symbol.asyncIterator]() {
        throw new Error('no iterator today');
      },
    };
    const call = client.tally(throwing as never, { address: server.address });
    await expect(call).rejects.toBeInstanceOf(WharfError);
    await expect(call).rejects.toMatchObject({
      code: 'CANCELLED',
      message: 'The input stream of inputs.tally failed: no iterator today',
    });
    const broken = { [Symbol.iterator]: () => 42 };
    await expect(client.tally(broken as never, { address: server.address })).rejects.toMatchObject({
      code: 'CANCELLED',
      message: 'The input stream of inputs.tally failed: its iterator method returned no iterator',
    });
    const bidi = async () => {
      for await (const _ of client.relay(throwing as never, { address: server.address }));
    };
    await expect(bidi()).rejects.toMatchObject({
      code: 'CANCELLED',
      message: 'The input stream of inputs.relay failed: no iterator today',
    });
    const started = Date.now();
    await c.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('a handler that returns no stream', () => {
  it('answers INTERNAL without leaking why, instead of leaving the call hanging', async () => {
    const iterate = async () => {
      for await (const _ of app.client(inputs).nothing({}, { address: server.address, timeoutMs: 5000 }));
    };
    await expect(iterate()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'Internal error: the handler returned no stream',
    });
  });
});
