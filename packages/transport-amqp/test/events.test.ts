import { type App, type Context, defineContract, type EventInfo, On, Service } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';

const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {},
  events: {
    created: { payload: z.object({ orderId: z.string(), total: z.number() }) },
    cancelled: { payload: z.object({ orderId: z.string() }) },
  },
});

interface Seen {
  readonly instance: string;
  readonly orderId: string;
  readonly event: EventInfo | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

function recorder() {
  const seen: Seen[] = [];
  const record = (instance: string, payload: { orderId: string }, ctx: Context) =>
    seen.push({ instance, orderId: payload.orderId, event: ctx.event, metadata: ctx.metadata });
  return { seen, record };
}

const billingLog = recorder();
const shippingLog = recorder();
const auditAll = recorder();
const auditCreated = recorder();

@Service({ name: 'billing', version: '1.0.0' })
class Billing {
  @On(orders.events.created)
  onCreated(payload: { orderId: string }, ctx: Context) {
    billingLog.record('billing', payload, ctx);
  }
}

@Service({ name: 'shipping', version: '1.0.0' })
class Shipping {
  constructor(readonly instance: string) {}

  @On(orders.events.created)
  async onCreated(payload: { orderId: string }, ctx: Context) {
    // Slow enough that deliveries spread over both instances.
    await new Promise((resolve) => setTimeout(resolve, 5));
    shippingLog.record(this.instance, payload, ctx);
  }
}

@Service({ name: 'audit', version: '1.0.0' })
class Audit {
  @On('orders.*', { input: z.object({ orderId: z.string() }) })
  anyOrder(payload: { orderId: string }, ctx: Context) {
    auditAll.record('audit', payload, ctx);
  }

  @On(orders.events.created)
  created(payload: { orderId: string }, ctx: Context) {
    auditCreated.record('audit', payload, ctx);
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('AMQP events against the real broker', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('events');
  const apps = new Apps();
  let emitter: App;

  beforeAll(async () => {
    await apps.start({ name: 'billing', services: [new Billing()], namespace });
    await apps.start({ name: 'shipping-a', services: [new Shipping('a')], namespace });
    await apps.start({ name: 'shipping-b', services: [new Shipping('b')], namespace });
    await apps.start({ name: 'audit', services: [new Audit()], namespace });
    emitter = await apps.start({ name: 'shop', namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('fans out to every service once and shares the work between instances of one service', async () => {
    const n = 60;
    const ids = Array.from({ length: n }, (_, i) => `o-${i}`);
    await Promise.all(ids.map((orderId) => emitter.emit(orders.events.created, { orderId, total: 1 })));
    await eventually(
      () => billingLog.seen.length >= n && shippingLog.seen.length >= n && auditCreated.seen.length >= n,
      'every service handles every event',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sorted = (xs: Seen[]) => xs.map((s) => s.orderId).sort();
    expect(sorted(billingLog.seen)).toEqual([...ids].sort());
    // Two instances of shipping: each event once in all, and both instances took some.
    expect(sorted(shippingLog.seen)).toEqual([...ids].sort());
    const byA = shippingLog.seen.filter((s) => s.instance === 'a').length;
    const byB = shippingLog.seen.filter((s) => s.instance === 'b').length;
    expect(byA + byB).toBe(n);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    console.log(`work sharing over ${n} events: shipping-a handled ${byA}, shipping-b handled ${byB}`);
  });

  it('gives an event to each handler of one service whose pattern matches, once each', async () => {
    const createdBefore = auditCreated.seen.length;
    const allBefore = auditAll.seen.length;
    await emitter.emit(orders.events.cancelled, { orderId: 'c-1' });
    await emitter.emit(orders.events.created, { orderId: 'c-2', total: 5 });
    await eventually(
      () => auditAll.seen.length >= allBefore + 2 && auditCreated.seen.length >= createdBefore + 1,
      'audit handlers',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      auditAll.seen
        .slice(allBefore)
        .map((s) => s.orderId)
        .sort(),
    ).toEqual(['c-1', 'c-2']);
    expect(auditCreated.seen.slice(createdBefore).map((s) => s.orderId)).toEqual(['c-2']);
  });

  it('carries the message id, name, emitter, timestamp, attempt and request metadata', async () => {
    const before = billingLog.seen.length;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const started = Date.now();
    await emitter.emit(
      orders.events.created,
      { orderId: 'm-1', total: 3 },
      { id: 'evt-fixed-id-1', metadata: { traceparent, 'x-request-id': 'req-ev-1', authorization: 'Bearer secret' } },
    );
    await eventually(() => billingLog.seen.length > before, 'billing handles the event');
    const got = billingLog.seen[before] as Seen;
    expect(got.event).toMatchObject({ id: 'evt-fixed-id-1', name: 'orders.created', emitter: 'shop', attempt: 1 });
    expect(got.event?.timestamp).toBeGreaterThanOrEqual(started);
    expect(got.metadata).toMatchObject({ traceparent, 'x-request-id': 'req-ev-1' });
    // Bearer tokens stay off stored messages unless forwardAuthorizationInEvents is set.
    expect(got.metadata.authorization).toBeUndefined();
  });

  it('emits from inside a handler with the request id propagated', async () => {
    const before = auditAll.seen.length;
    await emitter.emit(orders.events.cancelled, { orderId: 'p-1' }, { metadata: { 'x-request-id': 'chain-1' } });
    await eventually(() => auditAll.seen.length > before, 'audit handles the event');
    expect(auditAll.seen[before]?.metadata['x-request-id']).toBe('chain-1');
  });

  it('reports readiness once every consumer is attached', () => {
    expect(emitter.isReady()).toBe(true);
    const stats = apps.transports.map((t) => t.stats());
    expect(stats.reduce((sum, s) => sum + s.handled, 0)).toBeGreaterThan(0);
    expect(stats.reduce((sum, s) => sum + s.deadLettered + s.retried, 0)).toBe(0);
  });
});
