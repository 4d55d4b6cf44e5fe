import { defineContract, implement, on, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {
    place: { input: z.object({ sku: z.string(), qty: z.int() }), output: z.object({ id: z.int() }) },
    count: { input: z.object({}), output: z.object({ placed: z.int() }) },
  },
  events: { placed: { payload: z.object({ id: z.int(), qty: z.int() }) } },
});

/** Orders and a stock keeper that subscribes to `orders.placed`, naive or idempotent. */
function setup(idempotent: boolean) {
  const seen: { id: number; attempt: number }[] = [];
  const handled = new Set<string>();
  let stock = 100;
  let nextId = 0;
  const service = implement(
    orders,
    {
      async place({ qty }, ctx) {
        nextId += 1;
        await ctx.emit(orders.events.placed, { id: nextId, qty });
        return { id: nextId };
      },
      async count() {
        return { placed: nextId };
      },
    },
    {
      on: {
        onPlaced: on('orders.placed', {
          input: orders.events.placed.payload,
          handler: async ({ id, qty }, ctx) => {
            seen.push({ id, attempt: ctx.event!.attempt });
            if (idempotent && handled.has(ctx.event!.id)) return;
            handled.add(ctx.event!.id);
            stock -= qty;
          },
        }),
      },
    },
  );
  return { service, seen, stock: () => stock };
}

describe('the fault-injecting test transport', () => {
  it('without faults, settled() waits for the subscribers of what a call emitted', async () => {
    const s = setup(false);
    const app = await createTestApp({ services: [s.service] });
    await app.client(orders).place({ sku: 'a', qty: 3 });
    await app.settled();
    expect(s.stock()).toBe(97);
    expect(app.emittedOf(orders.events.placed).map((e) => e.payload.qty)).toEqual([3]);
    await app.stop();
  });

  it('duplicate: a naive subscriber applies the event twice, an idempotent one once', async () => {
    for (const idempotent of [false, true]) {
      const s = setup(idempotent);
      const app = await createTestApp({ services: [s.service] });
      app.faults.duplicate('orders.placed');
      await app.client(orders).place({ sku: 'a', qty: 5 });
      await app.settled();
      expect(s.seen).toEqual([
        { id: 1, attempt: 1 },
        { id: 1, attempt: 1 },
      ]);
      expect(s.stock()).toBe(idempotent ? 95 : 90);
      expect(app.faults.injected).toEqual([expect.objectContaining({ kind: 'duplicate', name: 'orders.placed' })]);
      await app.stop();
    }
  });

  it('reorder: the next two events arrive in reverse order', async () => {
    const s = setup(true);
    const app = await createTestApp({ services: [s.service] });
    app.faults.reorder('orders.*', { count: 2 });
    await app.client(orders).place({ sku: 'a', qty: 1 });
    await app.client(orders).place({ sku: 'a', qty: 2 });
    await app.settled();
    expect(s.seen.map((e) => e.id)).toEqual([2, 1]);
    await app.stop();
  });

  it('reorder: settled() releases events still held', async () => {
    const s = setup(true);
    const app = await createTestApp({ services: [s.service] });
    app.faults.reorder('orders.placed', { count: 3 });
    await app.client(orders).place({ sku: 'a', qty: 1 });
    await app.client(orders).place({ sku: 'a', qty: 2 });
    expect(s.seen).toEqual([]);
    await app.settled();
    expect(s.seen.map((e) => e.id)).toEqual([2, 1]);
    await app.stop();
  });

  it('delay: the event arrives after the delay, and settled() waits for it', async () => {
    const s = setup(true);
    const app = await createTestApp({ services: [s.service] });
    // 600 ms, not 150: the call and the 20 ms pause below must fit in the delay on a busy machine too.
    app.faults.delay('orders.placed', 600);
    const started = performance.now();
    await app.client(orders).place({ sku: 'a', qty: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(s.seen).toEqual([]);
    await app.settled();
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
    expect(s.seen).toEqual([{ id: 1, attempt: 1 }]);
    await app.stop();
  });

  it('dropThenRedeliver: lost before the handler, redelivered once as attempt 2', async () => {
    const s = setup(false);
    const app = await createTestApp({ services: [s.service] });
    app.faults.dropThenRedeliver('orders.placed', { afterMs: 30 });
    await app.client(orders).place({ sku: 'a', qty: 4 });
    await app.settled();
    expect(s.seen).toEqual([{ id: 1, attempt: 2 }]);
    expect(s.stock()).toBe(96);
    await app.stop();
  });

  it('dropThenRedeliver after handling: the ack is lost, the handler sees the event again as attempt 2', async () => {
    for (const idempotent of [false, true]) {
      const s = setup(idempotent);
      const app = await createTestApp({ services: [s.service] });
      app.faults.dropThenRedeliver('orders.placed', { afterHandling: true });
      await app.client(orders).place({ sku: 'a', qty: 4 });
      await app.settled();
      expect(s.seen).toEqual([
        { id: 1, attempt: 1 },
        { id: 1, attempt: 2 },
      ]);
      expect(s.stock()).toBe(idempotent ? 96 : 92);
      await app.stop();
    }
  });

  it('duplicateCalls runs the handler twice; loseReplies runs it and fails the caller with UNAVAILABLE', async () => {
    const s = setup(true);
    const app = await createTestApp({ services: [s.service] });
    const client = app.client(orders);
    app.faults.duplicateCalls('orders.place');
    await expect(client.place({ sku: 'a', qty: 1 })).resolves.toEqual({ id: 1 });
    await app.settled();
    await expect(client.count({})).resolves.toEqual({ placed: 2 });
    app.faults.loseReplies('orders.place');
    await expect(client.place({ sku: 'a', qty: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(client.count({})).resolves.toEqual({ placed: 3 });
    await app.stop();
  });

  it('disconnect fails calls and emits with UNAVAILABLE until reconnect', async () => {
    const s = setup(true);
    const app = await createTestApp({ services: [s.service] });
    app.faults.disconnect();
    const failed = await app
      .client(orders)
      .count({})
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WharfError);
    expect(failed).toMatchObject({ code: 'UNAVAILABLE' });
    await expect(app.emit(orders.events.placed, { id: 9, qty: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    app.faults.reconnect();
    await expect(app.client(orders).count({})).resolves.toEqual({ placed: 0 });
    await app.stop();
  });

  it('deliver is typed by the event ref and can play a redelivery', async () => {
    const s = setup(true);
    const app = await createTestApp({ services: [s.service] });
    await app.deliver(orders.events.placed, { id: 7, qty: 2 }, { id: 'e-7' });
    await app.deliver(orders.events.placed, { id: 7, qty: 2 }, { id: 'e-7', attempt: 2 });
    expect(s.seen).toEqual([
      { id: 7, attempt: 1 },
      { id: 7, attempt: 2 },
    ]);
    expect(s.stock()).toBe(98);
    // @ts-expect-error qty must be a number
    await app.deliver(orders.events.placed, { id: 8, qty: 'two' }).catch(() => {});
    await app.stop();
  });
});
