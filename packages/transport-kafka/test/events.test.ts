import { type App, type Context, defineContract, type EventInfo, On, Service } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, deleteNamespace, eventually, installCrashGuard, kafkaAvailable, uniqueNamespace } from './helpers/kafka.js';

const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {},
  events: {
    created: { payload: z.object({ orderId: z.string(), total: z.number() }), key: 'orderId' },
    cancelled: { payload: z.object({ orderId: z.string() }), key: 'orderId' },
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
  onCreated(payload: { orderId: string }, ctx: Context) {
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

const available = await kafkaAvailable();

describe.skipIf(!available)('Kafka events against the real broker', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('events');
  const apps = new Apps();
  let emitter: App;

  beforeAll(async () => {
    emitter = await apps.start({ name: 'emitter', namespace });
    // The topics exist before the wildcard subscriber starts, so it finds both at once.
    await emitter.emit(orders.events.created, { orderId: 'warm-up', total: 0 });
    await emitter.emit(orders.events.cancelled, { orderId: 'warm-up' });
    await Promise.all([
      apps.start({ name: 'billing', services: [new Billing()], namespace }),
      apps.start({ name: 'shipping-a', services: [new Shipping('a')], namespace }),
      apps.start({ name: 'shipping-b', services: [new Shipping('b')], namespace }),
      apps.start({ name: 'audit', services: [new Audit()], namespace }),
    ]);
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('every service gets each event once; the instances of one service share the partitions', async () => {
    // Emit until both shipping instances have been assigned partitions (the group settles within
    // a heartbeat or two). While it settles, delivery is at least once (a partition handed over
    // mid-batch is read again from its last commit, docs/transports/kafka.md): those events must
    // each arrive, once or more. Once settled, every event must reach each service exactly once.
    const settling: string[] = [];
    let n = 0;
    const emitAll = (batch: readonly string[]) =>
      Promise.all(
        batch.map((orderId) =>
          emitter.emit(
            orders.events.created,
            { orderId, total: 1 },
            { metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } },
          ),
        ),
      );
    await eventually(
      async () => {
        const batch = Array.from({ length: 10 }, () => `settling-${n++}`);
        settling.push(...batch);
        await emitAll(batch);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return new Set(shippingLog.seen.map((s) => s.instance)).size === 2;
      },
      'both shipping instances receiving events',
      30_000,
    );
    // Incremental assignment (KIP-848) may still be moving the last partitions when both have some.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const ids = Array.from({ length: 200 }, (_, i) => `o-${i}`);
    await emitAll(ids);
    const created = (log: Seen[]) => log.map((s) => s.orderId).filter((id) => id.startsWith('o-'));
    await eventually(
      () => created(billingLog.seen).length >= ids.length && created(shippingLog.seen).length >= ids.length,
      'all events handled',
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // duplicates, if any, would arrive now
    expect(created(billingLog.seen).sort()).toEqual([...ids].sort());
    expect(created(shippingLog.seen).sort()).toEqual([...ids].sort());
    for (const log of [billingLog, shippingLog]) {
      expect(new Set(log.seen.map((s) => s.orderId).filter((id) => id.startsWith('settling-')))).toEqual(new Set(settling));
    }
    expect([...new Set(shippingLog.seen.map((s) => s.instance))].sort()).toEqual(['a', 'b']);

    const first = billingLog.seen.find((s) => s.orderId === ids[0]) as Seen;
    expect(first.event).toMatchObject({ name: 'orders.created', emitter: 'emitter', attempt: 1 });
    expect(first.event?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.metadata.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(first.metadata['x-request-id']).toBeTruthy();
  });

  it('a wildcard pattern gets every matching event, beside a literal handler of the same service', async () => {
    await emitter.emit(orders.events.created, { orderId: 'w-1', total: 2 });
    await emitter.emit(orders.events.cancelled, { orderId: 'w-2' });
    // Each event on its own topic: the wildcard handler may get w-2 before w-1, so wait for both.
    await eventually(
      () =>
        auditAll.seen.some((s) => s.orderId === 'w-1') &&
        auditAll.seen.some((s) => s.orderId === 'w-2') &&
        auditCreated.seen.some((s) => s.orderId === 'w-1'),
      'audit handlers',
    );
    expect(
      auditAll.seen
        .filter((s) => s.orderId === 'w-1' || s.orderId === 'w-2')
        .map((s) => s.event?.name)
        .sort(),
    ).toEqual(['orders.cancelled', 'orders.created']);
    expect(auditCreated.seen.filter((s) => s.orderId === 'w-2')).toEqual([]);
  });
});
