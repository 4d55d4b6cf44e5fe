// A client in "another language": plain amqplib, following only docs/transports/amqp.md (the
// names, properties and headers are spelled out here on purpose, not imported from the package).
import { type App, type Context, defineContract, type EventInfo, On, Rpc, Service, WharfError } from '@wharf/core';
import amqp, { type Channel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, BROKER_URL, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';

const inventory = defineContract({
  name: 'inventory',
  version: '3.2.0',
  methods: {
    reserve: { input: z.object({ sku: z.string(), qty: z.int().min(1) }), output: z.object({ reservation: z.string() }) },
    watch: { stream: 'server', input: z.object({}), output: z.object({ sku: z.string() }) },
    remaining: { input: z.object({}), output: z.object({ remainingMs: z.number() }) },
    bounded: { input: z.object({}), output: z.object({ remainingMs: z.number() }), timeoutMs: 2_000 },
  },
  events: { reserved: { payload: z.object({ sku: z.string(), qty: z.int() }) } },
});

const received: { payload: unknown; event: EventInfo | undefined; metadata: Readonly<Record<string, string>> }[] = [];

@Service(inventory)
class Inventory {
  @Rpc(inventory.methods.reserve)
  async reserve({ sku, qty }: { sku: string; qty: number }, ctx: Context) {
    if (sku === 'none') throw new WharfError('FAILED_PRECONDITION', `Only 0 of ${sku} left`, { sku, available: 0 });
    await ctx.emit(inventory.events.reserved, { sku, qty });
    return { reservation: `r-${sku}-${qty}-${ctx.requestId}` };
  }

  @Rpc(inventory.methods.watch)
  async *watch() {
    yield { sku: 'never' };
  }

  @Rpc(inventory.methods.remaining)
  remaining(_input: object, ctx: Context) {
    const ms = ctx.remainingMs();
    return { remainingMs: Number.isFinite(ms) ? ms : -1 };
  }

  @Rpc(inventory.methods.bounded)
  bounded(_input: object, ctx: Context) {
    return { remainingMs: ctx.remainingMs() };
  }

  @On('partner.order.placed', { input: z.object({ ref: z.string() }) })
  partnerOrder(payload: { ref: string }, ctx: Context) {
    received.push({ payload, event: ctx.event, metadata: ctx.metadata });
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('a raw amqplib client that follows docs/transports/amqp.md', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('raw');
  const apps = new Apps();
  let server: App;
  let connection: amqp.ChannelModel;
  let channel: Channel;
  const replies = new Map<string, (message: ConsumeMessage) => void>();

  /** Calls `<namespace>.inventory.v3.rpc` as the doc says: default exchange, type, reply-to, correlation id, expiration. */
  const call = (method: string, input: unknown, headers: Record<string, unknown> = {}) =>
    new Promise<ConsumeMessage>((resolve, reject) => {
      const correlationId = `raw-${Math.random().toString(36).slice(2)}`;
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5_000);
      replies.set(correlationId, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      channel.publish('', `${namespace}.inventory.v3.rpc`, Buffer.from(JSON.stringify(input)), {
        type: method,
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId,
        contentType: 'application/json',
        expiration: '5000',
        headers: { 'x-wharf-timeout-ms': 5000, ...headers },
        mandatory: true,
      });
    });

  /** Calls `method` of the inventory in namespace `ns` with exactly `properties` (no timeout unless given). */
  const request = (ns: string, method: string, properties: amqp.Options.Publish) =>
    new Promise<ConsumeMessage>((resolve, reject) => {
      const correlationId = `raw-${Math.random().toString(36).slice(2)}`;
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5_000);
      replies.set(correlationId, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      channel.publish('', `${ns}.inventory.v3.rpc`, Buffer.from('{}'), {
        type: method,
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId,
        contentType: 'application/json',
        ...properties,
      });
    });
  const remainingOf = async (reply: Promise<ConsumeMessage>) =>
    (JSON.parse((await reply).content.toString()) as { remainingMs: number }).remainingMs;
  const unbounded = `${namespace}-unbounded`;

  beforeAll(async () => {
    server = await apps.start({ name: 'inventory', services: [new Inventory()], namespace });
    await apps.start({
      name: 'inventory-unbounded',
      services: [new Inventory()],
      namespace: unbounded,
      amqp: { defaultTimeoutMs: null },
    });
    connection = await amqp.connect(BROKER_URL, { noDelay: true });
    connection.on('error', () => {});
    channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.consume(
      'amq.rabbitmq.reply-to',
      (message) => {
        if (message !== null) replies.get(message.properties.correlationId)?.(message);
      },
      { noAck: true },
    );
  });

  afterAll(async () => {
    await connection?.close().catch(() => {});
    await apps.stopAll();
    await deleteNamespace(namespace);
    await deleteNamespace(unbounded);
  });

  it('calls an RPC over direct reply-to and reads the JSON reply', async () => {
    const reply = await call('reserve', { sku: 'apple', qty: 2 }, { 'x-request-id': 'raw-req-1' });
    expect(reply.properties.headers?.['x-wharf-status']).toBe('ok');
    expect(reply.properties.contentType).toBe('application/json');
    expect(JSON.parse(reply.content.toString())).toEqual({ reservation: 'r-apple-2-raw-req-1' });
  });

  it('gets a failure as an error reply with code, message and details', async () => {
    const reply = await call('reserve', { sku: 'none', qty: 1 });
    expect(reply.properties.headers?.['x-wharf-status']).toBe('error');
    expect(JSON.parse(reply.content.toString())).toEqual({
      code: 'FAILED_PRECONDITION',
      message: 'Only 0 of none left',
      details: { sku: 'none', available: 0 },
    });
    const invalid = JSON.parse((await call('reserve', { sku: 'apple', qty: 0 })).content.toString());
    expect(invalid).toMatchObject({ code: 'INVALID_ARGUMENT', details: { fieldViolations: [{ field: 'qty' }] } });
    const unknown = JSON.parse((await call('nope', {})).content.toString());
    expect(unknown).toMatchObject({ code: 'UNIMPLEMENTED' });
    const stream = JSON.parse((await call('watch', {})).content.toString());
    expect(stream).toMatchObject({ code: 'UNIMPLEMENTED', message: expect.stringContaining('unary RPCs only') });
    const notJson = await new Promise<ConsumeMessage>((resolve) => {
      replies.set('raw-not-json', resolve);
      channel.publish('', `${namespace}.inventory.v3.rpc`, Buffer.from('{oops'), {
        type: 'reserve',
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId: 'raw-not-json',
        contentType: 'application/json',
      });
    });
    expect(JSON.parse(notJson.content.toString())).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('gives a request without a timeout the RPC’s timeoutMs, else defaultTimeoutMs (30 s by default, null for none)', async () => {
    const fallback = await remainingOf(request(namespace, 'remaining', {}));
    expect(fallback).toBeGreaterThan(29_000);
    expect(fallback).toBeLessThanOrEqual(30_000);
    const own = await remainingOf(request(namespace, 'bounded', {}));
    expect(own).toBeGreaterThan(1_000);
    expect(own).toBeLessThanOrEqual(2_000);
    // `expiration` alone is the remaining time too.
    const expiring = await remainingOf(request(namespace, 'remaining', { expiration: '4000' }));
    expect(expiring).toBeGreaterThan(3_000);
    expect(expiring).toBeLessThanOrEqual(4_000);
    expect(await remainingOf(request(unbounded, 'remaining', {}))).toBe(-1);
  });

  it('tightens the deadline to x-wharf-deadline when the clocks agree, and ignores it when they do not', async () => {
    // The caller's deadline is 150 ms nearer than the remaining time says (the request's transit time).
    const tight = await remainingOf(
      request(namespace, 'remaining', { headers: { 'x-wharf-timeout-ms': 5_000, 'x-wharf-deadline': Date.now() + 4_850 } }),
    );
    expect(tight).toBeLessThanOrEqual(4_850);
    expect(tight).toBeGreaterThan(4_000);
    // A minute off: a clock that disagrees, so the remaining time counts.
    const skewed = await remainingOf(
      request(namespace, 'remaining', {
        headers: { 'x-wharf-timeout-ms': 5_000, 'x-wharf-deadline': String(Date.now() - 60_000) },
      }),
    );
    expect(skewed).toBeGreaterThan(4_850);
    expect(skewed).toBeLessThanOrEqual(5_000);
  });

  it('consumes the events a Wharf service emits, from its own queue bound to the events exchange', async () => {
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, `${namespace}.wharf.events`, 'inventory.#');
    const events: ConsumeMessage[] = [];
    await channel.consume(queue, (message) => message && events.push(message), { noAck: true });
    const before = Date.now();
    await call('reserve', { sku: 'pear', qty: 1 }, { 'x-request-id': 'raw-req-2' });
    await eventually(() => events.length > 0, 'the event reaches the raw consumer');
    const event = events[0] as ConsumeMessage;
    expect(event.fields.routingKey).toBe('inventory.reserved');
    expect(event.properties).toMatchObject({ type: 'inventory.reserved', appId: 'inventory', contentType: 'application/json' });
    expect(event.properties.messageId).toEqual(expect.any(String));
    expect(event.properties.deliveryMode).toBe(2);
    expect(event.properties.headers?.['x-request-id']).toBe('raw-req-2');
    expect(event.properties.headers?.['x-wharf-timestamp-ms']).toBeGreaterThanOrEqual(before);
    expect(JSON.parse(event.content.toString())).toEqual({ sku: 'pear', qty: 1 });
  });

  it('emits an event that a Wharf handler consumes', async () => {
    await channel.publish(`${namespace}.wharf.events`, 'partner.order.placed', Buffer.from(JSON.stringify({ ref: 'P-77' })), {
      messageId: 'partner-evt-1',
      type: 'partner.order.placed',
      appId: 'partner-gateway',
      contentType: 'application/json',
      persistent: true,
      timestamp: Math.floor(Date.now() / 1000),
      headers: { 'x-request-id': 'partner-req-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    await eventually(() => received.length > 0, 'the Wharf handler gets the event');
    expect(received[0]).toMatchObject({
      payload: { ref: 'P-77' },
      event: { id: 'partner-evt-1', name: 'partner.order.placed', emitter: 'partner-gateway', attempt: 1 },
      metadata: { 'x-request-id': 'partner-req-1' },
    });
    expect(server.isReady()).toBe(true);
  });
});
