import { type App, type Context, defineContract, Rpc, Service, WharfError } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, amqpInstances, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';

const calc = defineContract({
  name: 'calc',
  version: '1.0.0',
  methods: {
    add: { input: z.object({ a: z.number(), b: z.number() }), output: z.object({ sum: z.number() }) },
    find: { input: z.object({ id: z.string() }), output: z.object({ id: z.string() }) },
    slow: { input: z.object({ ms: z.int() }), output: z.object({ done: z.boolean() }) },
    whoami: {
      input: z.object({}),
      output: z.object({
        transport: z.string(),
        requestId: z.string(),
        traceparent: z.string().optional(),
        remainingMs: z.number(),
      }),
    },
    ticks: { stream: 'server', input: z.object({ n: z.int() }), output: z.object({ i: z.int() }) },
  },
});

const gate = defineContract({
  name: 'gate',
  version: '2.0.0',
  methods: {
    hold: { input: z.object({ ms: z.int() }), output: z.object({ ok: z.boolean() }) },
    mark: { input: z.object({}), output: z.object({ ok: z.boolean() }) },
  },
});

const ghost = defineContract({
  name: 'ghost',
  version: '1.0.0',
  methods: { boo: { input: z.object({}), output: z.object({}) } },
});

const seen = { slowAborted: 0, marks: 0 };

@Service(calc)
class Calc {
  @Rpc(calc.methods.add)
  add({ a, b }: { a: number; b: number }) {
    return { sum: a + b };
  }

  @Rpc(calc.methods.find)
  find({ id }: { id: string }): { id: string } {
    throw new WharfError('NOT_FOUND', `No item ${id}`, { resource: 'item', id });
  }

  @Rpc(calc.methods.slow)
  async slow({ ms }: { ms: number }, ctx: Context) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => {
        seen.slowAborted++;
        clearTimeout(timer);
        resolve();
      });
    });
    return { done: true };
  }

  @Rpc(calc.methods.whoami)
  whoami(_input: object, ctx: Context) {
    ctx.response.header('x-served-by', 'calc');
    return {
      transport: ctx.transport,
      requestId: ctx.requestId,
      traceparent: ctx.metadata.traceparent,
      remainingMs: ctx.remainingMs(),
    };
  }

  @Rpc(calc.methods.ticks)
  async *ticks({ n }: { n: number }) {
    for (let i = 0; i < n; i++) yield { i };
  }
}

@Service(gate)
class Gate {
  @Rpc(gate.methods.hold)
  async hold({ ms }: { ms: number }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { ok: true };
  }

  @Rpc(gate.methods.mark)
  mark() {
    seen.marks++;
    return { ok: true };
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('AMQP RPC against the real broker', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('rpc');
  const apps = new Apps();
  let server: App;
  let client: App;

  beforeAll(async () => {
    server = await apps.start({ name: 'calc-server', services: [new Calc()], namespace });
    const gateServer = await apps.start({
      name: 'gate-server',
      services: [new Gate()],
      namespace,
      amqp: { prefetch: (consumer) => (consumer.kind === 'rpc' ? 1 : 20) },
    });
    client = await apps.start({
      name: 'calc-client',
      namespace,
      instances: [...amqpInstances(server, 'calc'), ...amqpInstances(gateServer, 'gate', '2.0.0')],
    });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('registers an amqp:// address without credentials', () => {
    expect(server.addresses.filter((a) => a.startsWith('amqp:'))).toEqual([
      `amqp://127.0.0.1:5672/?namespace=${encodeURIComponent(namespace)}`,
    ]);
  });

  it('makes a round trip', async () => {
    await expect(client.client(calc).add({ a: 2, b: 40 })).resolves.toEqual({ sum: 42 });
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => client.client(calc).add({ a: i, b: 1 })));
    expect(many.map((r) => r.sum)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('returns the handler’s typed error with its code, message and details', async () => {
    const error = await client
      .client(calc)
      .find({ id: 'x1' })
      .catch((e: unknown) => e);
    expect(WharfError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'No item x1', details: { resource: 'item', id: 'x1' } });
  });

  it('returns validation errors with field violations', async () => {
    const error = await client
      .client(calc)
      .add({ a: 1, b: 'two' as unknown as number })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { fieldViolations: [{ field: 'b' }] } });
  });

  it('carries metadata, the remaining time and response headers', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const out = await client.client(calc).whoami({}, { metadata: { traceparent, 'x-request-id': 'req-123' }, timeoutMs: 5_000 });
    expect(out).toMatchObject({ transport: 'amqp', requestId: 'req-123', traceparent });
    expect(out.remainingMs).toBeGreaterThan(3_000);
    expect(out.remainingMs).toBeLessThanOrEqual(5_000);
  });

  it('fails with DEADLINE_EXCEEDED on time and aborts the handler', async () => {
    const before = seen.slowAborted;
    const started = Date.now();
    const error = await client
      .client(calc)
      .slow({ ms: 3_000 }, { timeoutMs: 200 })
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(1_000);
    await eventually(() => seen.slowAborted > before, 'the handler sees ctx.signal abort');
  });

  it('never handles a request whose deadline passed while it waited in the queue', async () => {
    // prefetch 1: the hold request occupies the only slot, the mark request waits in the queue.
    const hold = client.client(gate).hold({ ms: 800 }, { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const marks = seen.marks;
    const error = await client
      .client(gate)
      .mark({}, { timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect(hold).resolves.toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.marks).toBe(marks);
    // The queue works on after the expired request: a fresh call is handled.
    await expect(client.client(gate).mark({})).resolves.toEqual({ ok: true });
    expect(seen.marks).toBe(marks + 1);
  });

  it('answers UNIMPLEMENTED for a streaming RPC, which AMQP does not carry', async () => {
    const iterate = async () => {
      for await (const _ of client.client(calc).ticks({ n: 3 })) {
        // never reached
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'UNIMPLEMENTED', message: expect.stringContaining('unary RPCs only') });
  });

  it('answers UNAVAILABLE at once when no instance ever served the service', async () => {
    const started = Date.now();
    const address = `amqp://127.0.0.1:5672/?namespace=${encodeURIComponent(namespace)}`;
    await expect(client.call(ghost.methods.boo, {}, { address, timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`No queue ${namespace}.ghost.v1.rpc`),
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('sends a fractional remaining time as whole milliseconds, which RabbitMQ accepts', async () => {
    // A fractional `expiration` makes RabbitMQ close the channel (406): every call on it would fail.
    const [slow, sum] = await Promise.all([
      client.client(calc).slow({ ms: 200 }, { timeoutMs: 5_000 }),
      client.client(calc).add({ a: 1, b: 2 }, { timeoutMs: 1_000.5 }),
    ]);
    expect(slow).toEqual({ done: true });
    expect(sum).toEqual({ sum: 3 });
    await expect(client.client(calc).add({ a: 2, b: 2 }, { timeoutMs: 2_000.999 })).resolves.toEqual({ sum: 4 });
  });

  it('reaches only instances on its own broker and vhost, in any namespace', async () => {
    const transport = apps.transports.at(-1);
    const ns = encodeURIComponent(namespace);
    expect(transport?.reaches(`amqp://127.0.0.1:5672/?namespace=${ns}`)).toBe(true);
    expect(transport?.reaches('amqp://localhost:5672/')).toBe(true);
    expect(transport?.reaches('amqp://127.0.0.1/?namespace=elsewhere')).toBe(true);
    expect(transport?.reaches(`amqp://other-broker:5672/?namespace=${ns}`)).toBe(false);
    expect(transport?.reaches('amqp://127.0.0.1:5673/')).toBe(false);
    expect(transport?.reaches('amqp://127.0.0.1:5672/shop')).toBe(false);

    // The registry knows calc only on another broker: it is not called on this one instead.
    const elsewhere = `amqp://other-broker:5672/?namespace=${ns}`;
    const lost = await apps.start({
      name: 'calc-client-elsewhere',
      namespace,
      instances: [{ id: 'remote-calc', service: 'calc', version: '1.0.0', address: elsewhere }],
    });
    await expect(lost.client(calc).add({ a: 1, b: 1 }, { timeoutMs: 2_000 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('No instance of calc v1 is reachable'),
    });
    await expect(client.call(calc.methods.add, { a: 1, b: 1 }, { address: elsewhere, timeoutMs: 2_000 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('another RabbitMQ broker or vhost'),
    });
  });

  it('counts what it answered', () => {
    const stats = apps.transports[0]?.stats();
    expect(stats?.rpcAnswered).toBeGreaterThan(200);
  });
});
