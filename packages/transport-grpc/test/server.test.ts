import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { type App, type Context, defineContract, ERROR_CODES, implement, WharfError } from '@wharf/core';
import { compileProto, DETAILS_KEY } from '@wharf/transport-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, proxy, rawClient, rawUnary, serve } from './helpers.js';

const probe = defineContract({
  name: 'probe',
  version: 1,
  methods: {
    echo: {
      input: z.object({ text: z.string(), pad: z.string().optional() }),
      output: z.object({ text: z.string(), metadata: z.record(z.string(), z.string()), deadline: z.number().optional() }),
    },
    fail: {
      input: z.object({
        code: z.enum(ERROR_CODES),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional(),
        loneSurrogate: z.boolean().optional(),
      }),
      output: z.object({}),
    },
    wait: { input: z.object({ id: z.string() }), output: z.object({}) },
    count: { input: z.object({ n: z.int().min(0).max(1000) }), output: z.object({ i: z.int() }), stream: 'server' },
    sum: { input: z.object({ n: z.int32() }), output: z.object({ total: z.int(), count: z.int() }), stream: 'client' },
    chat: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }), stream: 'bidi' },
    meta: { input: z.object({}), output: z.object({}) },
    lateHeader: { input: z.object({ key: z.string() }), output: z.object({ error: z.string() }) },
    ticks: { input: z.object({ id: z.string() }), output: z.object({ i: z.int() }), stream: 'server' },
    bad: { input: z.object({}), output: z.object({ n: z.int32() }) },
    big: { input: z.object({ size: z.int().min(0) }), output: z.object({ data: z.string() }) },
    tree: { input: z.object({ depth: z.int().min(0).max(500) }), output: z.object({}) },
  },
});

/** What the handlers observed, by call id. */
const aborts = new Map<string, unknown>();
const started = new Set<string>();

const service = implement(probe, {
  async echo({ text }, ctx) {
    return { text, metadata: { ...ctx.metadata }, deadline: ctx.deadline };
  },
  async fail({ code, message, details, loneSurrogate }) {
    throw new WharfError(code, loneSurrogate ? `${message} \uD800 half` : message, details);
  },
  async wait({ id }, ctx: Context) {
    started.add(id);
    await new Promise<void>((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        aborts.set(id, ctx.signal.reason);
        resolve();
      });
    });
    return {};
  },
  async *count({ n }) {
    for (let i = 1; i <= n; i++) yield { i };
  },
  async sum(input) {
    let total = 0;
    let count = 0;
    for await (const { n } of input) {
      total += n;
      count++;
    }
    return { total, count };
  },
  async *chat(input) {
    for await (const { text } of input) yield { text: text.toUpperCase() };
  },
  async meta(_input, ctx) {
    ctx.response.header('x-header', 'h1');
    ctx.response.header('x-header-bin', new Uint8Array([0, 1, 255]));
    ctx.response.trailer('x-trailer', 't1');
    ctx.response.trailer('x-trailer-bin', new Uint8Array([9, 8, 7]));
    return {};
  },
  async lateHeader({ key }, ctx) {
    try {
      if (key === 'late') {
        ctx.response.flushHeaders();
        ctx.response.header('x-late', 'too late');
      } else {
        ctx.response.header(key, 'v');
      }
      return { error: '' };
    } catch (error) {
      return { error: (error as Error).message };
    }
  },
  async *ticks({ id }) {
    try {
      for (let i = 0; ; i++) {
        yield { i };
        await sleep(5);
      }
    } finally {
      aborts.set(id, 'iterator returned');
    }
  },
  async bad() {
    return { n: 'not a number' as unknown as number };
  },
  async big({ size }) {
    return { data: 'x'.repeat(size) };
  },
  async tree() {
    return {};
  },
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

const wires = compileProto(probe)?.methods ?? [];
const wire = (name: string) => wires.find((w) => w.ref.name === name) as (typeof wires)[number];

describe('unary calls', () => {
  it('calls a handler and returns its output', async () => {
    const out = await app.client(probe).echo({ text: 'hi' }, { address: server.address });
    expect(out.text).toBe('hi');
  });

  it('sends the request id, trace context and identity as metadata, and the deadline as grpc-timeout', async () => {
    const before = Date.now();
    const out = await app.client(probe).echo(
      { text: '' },
      {
        address: server.address,
        timeoutMs: 5000,
        metadata: {
          'x-request-id': 'req-123',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          authorization: 'Bearer abc',
          'x-custom-bin': Buffer.from([1, 2, 3]).toString('base64'),
        },
      },
    );
    expect(out.metadata['x-request-id']).toBe('req-123');
    expect(out.metadata.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(out.metadata.authorization).toBe('Bearer abc');
    expect(out.metadata['x-custom-bin']).toBe('AQID');
    expect(out.metadata['grpc-timeout']).toBeUndefined();
    expect(out.deadline).toBeGreaterThan(before + 4000);
    expect(out.deadline).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('gives a caller that sets no deadline the default one (30 s; test/default-deadline.test.ts has the rest)', async () => {
    const client = rawClient(server.target);
    const before = Date.now();
    const { reply } = await rawUnary(client, wire('echo').path, wire('echo').request.encode({ text: 'x' }));
    expect(wire('echo').response.decode(reply as Buffer)).toMatchObject({
      text: 'x',
      metadata: { 'user-agent': expect.any(String) },
    });
    const { deadline } = wire('echo').response.decode(reply as Buffer) as { deadline?: number };
    expect(deadline).toBeGreaterThanOrEqual(before + 30_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 30_000);
    client.close();
  });

  it('sends response headers before the reply and trailers with the status, -bin values as bytes', async () => {
    const client = rawClient(server.target);
    const { headers, trailers, error } = await rawUnary(client, wire('meta').path, wire('meta').request.encode({}));
    expect(error).toBeUndefined();
    expect(headers?.get('x-header')).toEqual(['h1']);
    expect(headers?.get('x-header-bin')).toEqual([Buffer.from([0, 1, 255])]);
    expect(trailers?.get('x-trailer')).toEqual(['t1']);
    expect(trailers?.get('x-trailer-bin')).toEqual([Buffer.from([9, 8, 7])]);
    client.close();
  });
});

describe('response metadata rules', () => {
  it('refuses a header after the headers went out, and reserved or invalid keys, saying why', async () => {
    const client = app.client(probe);
    await expect(client.lateHeader({ key: 'late' }, { address: server.address })).resolves.toEqual({
      error: 'Cannot set response header "x-late": headers were already sent; set them before the first message',
    });
    await expect(client.lateHeader({ key: 'grpc-status' }, { address: server.address })).resolves.toEqual({
      error: 'Response header key "grpc-status" is reserved by gRPC; use another name',
    });
    await expect(client.lateHeader({ key: 'Bad Key' }, { address: server.address })).resolves.toEqual({
      error: `Response header key "Bad Key" is invalid: gRPC keys hold only a-z, 0-9, '_', '.' and '-'`,
    });
  });
});

describe('errors', () => {
  it.each(ERROR_CODES.map((code) => [code]))('%s reaches the caller with the same code, message and details', async (code) => {
    const message = `  ${code}: tabs\tand\nnewlines, non-ASCII ünïcødé ✓ 中文, 100% %20 #;/?  `;
    const details = { resource: 'thing', nested: { list: [1, 'two', null, true] } };
    const error = await app
      .client(probe)
      .fail({ code, message, details }, { address: server.address })
      .catch((e: unknown) => e);
    expect(WharfError.is(error)).toBe(true);
    expect(error).toMatchObject({ code, message, details });
  });

  it('maps each code to its gRPC status number and carries details as google.rpc.Status in grpc-status-details-bin', async () => {
    const client = rawClient(server.target);
    const { error } = await rawUnary(
      client,
      wire('fail').path,
      wire('fail').request.encode({ code: 'NOT_FOUND', message: 'gone', details: { id: 7 } }),
    );
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toBe('gone');
    expect(error?.metadata.get(DETAILS_KEY)[0]).toBeInstanceOf(Buffer);
    client.close();
  });

  it('answers invalid input with INVALID_ARGUMENT and every field violation', async () => {
    const error = await app
      .client(probe)
      .count({ n: 5000 }, { address: server.address })
      [Symbol.asyncIterator]()
      .next()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { fieldViolations: [{ field: 'n', code: 'too_big', description: expect.stringContaining('1000') }] },
    });
  });

  it('refuses to send a value its proto type cannot carry, rather than truncating it', async () => {
    await expect(
      app.client(probe).count({ n: 1.5 }, { address: server.address })[Symbol.asyncIterator]().next(),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Invalid input for probe.count: n: expected an integer that fits int32, got the number 1.5',
    });
  });

  it('answers a malformed request message with INVALID_ARGUMENT', async () => {
    const client = rawClient(server.target);
    const { error } = await rawUnary(client, wire('echo').path, Buffer.from([0x0a, 0xff, 0xff]));
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^The request is not a valid \/probe\.v1\.Probe\/Echo message: /);
    client.close();
  });

  it('answers INTERNAL, without leaking, when a handler returns an output its message cannot carry', async () => {
    await expect(app.client(probe).bad({}, { address: server.address })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'Internal error: the reply does not fit its message',
    });
  });

  it('sends a message with a lone surrogate (which grpc-js cannot percent-encode) with U+FFFD in its place', async () => {
    await expect(
      app.client(probe).fail({ code: 'ABORTED', message: 'bad', loneSurrogate: true }, { address: server.address }),
    ).rejects.toMatchObject({ code: 'ABORTED', message: 'bad \uFFFD half' });
  });

  it('refuses to send a string with a lone surrogate (no UTF-8 form) instead of sending a message peers reject', async () => {
    await expect(app.client(probe).echo({ text: 'a\uDC00b' }, { address: server.address })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Invalid input for probe.echo: text: contains a lone surrogate, which is not valid UTF-8',
    });
  });

  it('answers UNIMPLEMENTED for a method the server does not serve', async () => {
    const client = rawClient(server.target);
    const { error } = await rawUnary(client, '/probe.v1.Probe/Nope', Buffer.alloc(0));
    expect(error?.code).toBe(status.UNIMPLEMENTED);
    const other = defineContract({
      name: 'probe',
      version: 1,
      methods: { missing: { input: z.object({}), output: z.object({}) } },
    });
    await expect(app.client(other).missing({}, { address: server.address })).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    const v2 = defineContract({ name: 'probe', version: 2, methods: { echo: probe.methods.echo } });
    await expect(app.client(v2).echo({ text: '' }, { address: server.address })).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    client.close();
  });

  it('refuses a message nested deeper than protobuf allows (100 levels) on the way out', async () => {
    type Node = { next?: Node };
    const Node: z.ZodType<Node> = z.object({
      get next() {
        return Node.optional();
      },
    });
    const deep = defineContract({
      name: 'deep',
      version: 1,
      methods: { run: { input: z.object({ node: Node }), output: z.object({}) } },
    });
    let node: Node = {};
    for (let i = 0; i < 150; i++) node = { next: node };
    await expect(app.client(deep).run({ node }, { address: server.address })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('max depth exceeded'),
    });
  });

  it('answers UNAVAILABLE when nothing listens, and for an address that is not grpc://host:port', async () => {
    await expect(app.client(probe).echo({ text: '' }, { address: 'grpc://127.0.0.1:1' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    await expect(app.client(probe).echo({ text: '' }, { address: 'grpc://nowhere' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: '"grpc://nowhere" is not a gRPC address; expected grpc://host:port',
    });
  });
});

describe('deadlines and cancellation', () => {
  it('deadline exceeded: the handler sees the abort and the caller gets DEADLINE_EXCEEDED', async () => {
    const id = 'deadline';
    const started = Date.now();
    await expect(app.client(probe).wait({ id }, { address: server.address, timeoutMs: 150 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => aborts.get(id)).toBeDefined();
    expect((aborts.get(id) as WharfError).code).toMatch(/DEADLINE_EXCEEDED|CANCELLED/);
  });

  it('client cancellation: the caller gets CANCELLED and the handler sees the abort', async () => {
    const id = 'cancel';
    const controller = new AbortController();
    const call = app.client(probe).wait({ id }, { address: server.address, signal: controller.signal });
    await expect.poll(() => started.has(id)).toBe(true);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => aborts.get(id)).toBeDefined();
    expect(aborts.get(id)).toMatchObject({ code: 'CANCELLED' });
  });

  it('breaking out of a server stream cancels the call, and the handler’s iterator is returned', async () => {
    const seen: number[] = [];
    for await (const { i } of app.client(probe).ticks({ id: 'ticks' }, { address: server.address })) {
      seen.push(i);
      if (i === 3) break;
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    await expect.poll(() => aborts.get('ticks')).toBe('iterator returned');
  });
});

describe('message size limits', () => {
  it('over the 4 MiB default receive limit → RESOURCE_EXHAUSTED, whichever side receives', async () => {
    const client = rawClient(server.target, { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
    const big = wire('echo').request.encode({ text: 'x'.repeat(5 * 1024 * 1024) });
    const { error } = await rawUnary(client, wire('echo').path, big);
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    client.close();
    // The server refuses to send more than 4 MiB, so the caller sees RESOURCE_EXHAUSTED too.
    await expect(app.client(probe).big({ size: 5 * 1024 * 1024 }, { address: server.address })).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
    // And our own client refuses to send it.
    await expect(
      app.client(probe).echo({ text: 'x'.repeat(5 * 1024 * 1024) }, { address: server.address }),
    ).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
  });

  it('limits are configurable', async () => {
    const small = await serve([service], { maxReceiveMessageBytes: 1024 });
    const roomy = await caller({ maxReceiveMessageBytes: 16 * 1024 * 1024, maxSendMessageBytes: 16 * 1024 * 1024 });
    await expect(roomy.client(probe).echo({ text: 'x'.repeat(2000) }, { address: small.address })).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
    await expect(roomy.client(probe).echo({ text: 'x'.repeat(100) }, { address: small.address })).resolves.toMatchObject({
      text: 'x'.repeat(100),
    });
    await roomy.stop();
    await small.app.stop();
  });
});

describe('streams', () => {
  it('server streaming', async () => {
    const out: number[] = [];
    for await (const { i } of app.client(probe).count({ n: 5 }, { address: server.address })) out.push(i);
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  it('an empty server stream', async () => {
    const out: unknown[] = [];
    for await (const m of app.client(probe).count({ n: 0 }, { address: server.address })) out.push(m);
    expect(out).toEqual([]);
  });

  it('client streaming, from an async generator and from an array (also empty)', async () => {
    async function* numbers() {
      for (let n = 1; n <= 100; n++) yield { n };
    }
    await expect(app.client(probe).sum(numbers(), { address: server.address })).resolves.toEqual({ total: 5050, count: 100 });
    await expect(app.client(probe).sum([{ n: 2 }, { n: 3 }], { address: server.address })).resolves.toEqual({
      total: 5,
      count: 2,
    });
    await expect(app.client(probe).sum([], { address: server.address })).resolves.toEqual({ total: 0, count: 0 });
  });

  it('bidi streaming', async () => {
    async function* words() {
      yield { text: 'a' };
      await sleep(5);
      yield { text: 'b' };
    }
    const out: string[] = [];
    for await (const { text } of app.client(probe).chat(words(), { address: server.address })) out.push(text);
    expect(out).toEqual(['A', 'B']);
  });

  it('a client stream element that is invalid fails the call with INVALID_ARGUMENT naming its index', async () => {
    await expect(
      app.client(probe).sum([{ n: 1 }, { n: 'two' as unknown as number }], { address: server.address }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Invalid input for probe.sum: [1].n: expected an integer that fits int32, got a string',
    });
  });

  it('streams many messages with backpressure', async () => {
    let count = 0;
    for await (const _ of app.client(probe).count({ n: 1000 }, { address: server.address })) count++;
    expect(count).toBe(1000);
  });
});

describe('channels', () => {
  it('reuses one connection per address', async () => {
    const front = await proxy(server.target);
    const c = await caller();
    for (let i = 0; i < 5; i++) await c.client(probe).echo({ text: String(i) }, { address: front.address });
    await Promise.all([1, 2, 3].map((i) => c.client(probe).echo({ text: String(i) }, { address: front.address })));
    expect(front.connections()).toBe(1);
    await c.stop();
    await front.close();
  });

  it('keepalive drops a frozen connection so the call fails UNAVAILABLE long before its deadline', async () => {
    const front = await proxy(server.target);
    const c = await caller({ keepalive: { timeMs: 100, timeoutMs: 200 } });
    await c.client(probe).echo({ text: 'warm' }, { address: front.address });
    const id = 'frozen';
    const call = c.client(probe).wait({ id }, { address: front.address, timeoutMs: 20_000 });
    await expect.poll(() => started.has(id)).toBe(true);
    front.freeze();
    const t0 = Date.now();
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - t0).toBeLessThan(5000);
    await c.stop();
    await front.close();
  });

  it('keepalive pings on a busy connection do not get it closed (too_many_pings)', async () => {
    const c = await caller({ keepalive: { timeMs: 50, timeoutMs: 1000 } });
    const id = 'pinged';
    const call = c.client(probe).wait({ id }, { address: server.address, timeoutMs: 1500 });
    await expect(call).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect(c.client(probe).echo({ text: 'after' }, { address: server.address })).resolves.toMatchObject({ text: 'after' });
    await c.stop();
  });
});
