// What an outside review found over gRPC: requests whose message never completes, streams that
// end "OK" after a deadline cut them, the drain cut-off answered with a reset, the deadline code of
// a call made from a handler whose own deadline passed.
import { connect as http2Connect } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClientReadableStream, Metadata, type StatusObject, status } from '@grpc/grpc-js';
import { type Context, defineContract, implement, type WharfError } from '@wharf/core';
import { compileProto } from '@wharf/transport-grpc';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, rawClient, rawUnary, serve } from './helpers.js';

const hostile = defineContract({
  name: 'hostile',
  version: 1,
  methods: {
    echo: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) },
    many: { input: z.object({ n: z.int() }), output: z.object({ i: z.int(), pad: z.string() }), stream: 'server' },
    stubborn: { input: z.object({ ms: z.int() }), output: z.object({}) },
    onward: { input: z.object({ ms: z.int() }), output: z.object({ inner: z.string() }) },
    sleepy: { input: z.object({ ms: z.int() }), output: z.object({}) },
  },
});

const ended: string[] = [];
let onwardAddress = '';

const service = implement(hostile, {
  async echo({ text }) {
    return { text };
  },
  async *many({ n }) {
    try {
      for (let i = 0; i < n; i++) yield { i, pad: 'x'.repeat(1024) };
    } finally {
      ended.push('many');
    }
  },
  // Ignores ctx.signal: only the drain cut-off ends it.
  async stubborn({ ms }) {
    ended.push('stubborn started');
    await sleep(ms);
    return {};
  },
  // Calls on with its own deadline; reports how the inner call failed when that deadline passed.
  async onward({ ms }, ctx: Context) {
    try {
      await ctx.client(hostile).sleepy({ ms }, { address: onwardAddress });
      return { inner: 'OK' };
    } catch (error) {
      ended.push(`onward ${(error as WharfError).code}`);
      throw error;
    }
  },
  async sleepy({ ms }, ctx) {
    await sleep(ms, undefined, { signal: ctx.signal }).catch(() => {});
    return {};
  },
});

const wires = compileProto(hostile)?.methods ?? [];
const wire = (name: string) => wires.find((w) => w.ref.name === name) as (typeof wires)[number];

/** Opens an HTTP/2 stream for `path` and sends a gRPC length prefix promising 100 bytes, then 3 of them; never ends. */
function incompleteRequest(target: string, path: string) {
  const session = http2Connect(`http://${target}`);
  session.on('error', () => {});
  const settings = new Promise<number | undefined>((resolve) =>
    session.once('remoteSettings', (s) => resolve(s.maxConcurrentStreams)),
  );
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  stream.write(Buffer.from([0, 0, 0, 0, 100, 1, 2, 3]));
  const status = new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve('still open'), 3_000);
    const done = (headers: Record<string, unknown>) => {
      const code = headers['grpc-status'];
      if (code === undefined) return;
      clearTimeout(timer);
      resolve(String(code));
    };
    stream.on('response', done);
    stream.on('trailers', done);
  });
  return { status, settings, close: () => session.destroy() };
}

describe('bounded calls', () => {
  it('ends a call whose request message never completes at requestTimeoutMs, and caps streams per connection', async () => {
    const server = await serve([service], { requestTimeoutMs: 300 });
    for (const method of ['echo', 'many']) {
      const started = Date.now();
      const call = incompleteRequest(server.target, wire(method).path);
      expect(await call.settings).toBe(100);
      // Before: no deadline had started (the handler runs once the message is whole), so the call
      // stayed open until the client left.
      expect(await call.status).toBe(String(status.DEADLINE_EXCEEDED));
      expect(Date.now() - started).toBeLessThan(2_500);
      call.close();
    }
    await server.app.stop();
  });

  it('ends a server stream cut by the deadline with DEADLINE_EXCEEDED, never OK, even while the reader pauses', async () => {
    const server = await serve([service], { defaultTimeoutMs: 400 });
    const client = rawClient(server.target);
    ended.length = 0;
    const call = client.makeServerStreamRequest(
      wire('many').path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      wire('many').request.encode({ n: 1_000 }),
      new Metadata(),
      { deadline: Number.POSITIVE_INFINITY },
    ) as ClientReadableStream<Buffer>;
    let received = 0;
    const ends = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    call.on('data', () => {
      received++;
      if (received === 1) {
        // A reader with no deadline of its own pauses past the server's.
        call.pause();
        setTimeout(() => call.resume(), 800);
      }
    });
    const result = await ends;
    client.close();
    await server.app.stop();
    expect(received).toBeLessThan(1_000);
    expect(result.code).toBe(status.DEADLINE_EXCEEDED);
    expect(ended).toContain('many');
  });

  it('answers a call still running at the drain cut-off with UNAVAILABLE before closing the connection', async () => {
    const server = await serve([service], {}, { shutdown: { signals: false, timeoutMs: 200 } });
    const client = rawClient(server.target);
    ended.length = 0;
    const call = rawUnary(client, wire('stubborn').path, wire('stubborn').request.encode({ ms: 3_000 }));
    await expect.poll(() => ended).toContain('stubborn started');
    await server.app.stop();
    const { error } = await call;
    client.close();
    // Before: the connection was force-closed in the same abort that cancelled the call: CANCELLED.
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(error?.details).toContain('shutting down');
  });

  it('fails a call made from a handler whose deadline passed with DEADLINE_EXCEEDED, every time', async () => {
    const server = await serve([service]);
    onwardAddress = server.address;
    const app = await caller();
    ended.length = 0;
    for (let i = 0; i < 6; i++) {
      await expect(app.client(hostile).onward({ ms: 2_000 }, { address: server.address, timeoutMs: 150 })).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
    }
    await expect.poll(() => ended.length).toBe(6);
    // Before: CANCELLED in most tries — the handler's signal cancelled the inner call first.
    expect(ended).toEqual(Array.from({ length: 6 }, () => 'onward DEADLINE_EXCEEDED'));
    await app.stop();
    await server.app.stop();
  });
});
