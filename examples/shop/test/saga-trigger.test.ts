// The orders.placed handler waits for the saga it starts, but not past ORDERS_TRIGGER_WAIT_MS: a
// saga retrying through an outage (40 attempts with back-off, minutes) kept the handler running
// past its deadline, so the broker retried the event and at last dead-lettered it. Here catalog
// is down for good; the delivery must be handled quickly, and the saga keep going.
import { WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { orders, stock } from '@wharf/shop-contracts';
import { type OrderEvent, ordersService } from '@wharf/shop-orders';
import { describe, expect, it } from 'vitest';
import { withOrdersAlone } from './orders-alone.js';

describe('the saga trigger', () => {
  it(
    'is handled within ORDERS_TRIGGER_WAIT_MS while the saga keeps retrying an outage',
    () =>
      withOrdersAlone(async ({ store, env: ordersEnv }) => {
        let reserveCalls = 0;
        let catalogDown = true;
        const caller = {
          async call(ref: unknown) {
            if (ref === stock.methods.reserve) {
              reserveCalls++;
              if (catalogDown) throw new WharfError('UNAVAILABLE', 'catalog is down');
              throw new WharfError('FAILED_PRECONDITION', 'the test is over'); // not retried: the saga stops
            }
            throw new Error(`unexpected call ${String(ref)}`);
          },
        };
        const env = ordersEnv(caller, { ORDERS_TRIGGER_WAIT_MS: '300', ORDERS_SAGA_TIMEOUT_MS: '600000' });
        const placed: OrderEvent = {
          type: 'OrderPlaced',
          customer: 'c',
          requestId: 'r1',
          lines: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: 100 }],
          total: 100,
          shipTo: 'x',
          at: Date.now(),
        };
        const id = crypto.randomUUID();
        await store.append(id, 0, [placed]);
        const module = ordersService.create(env);
        const app = await createTestApp({ name: 'orders', services: [...module.services] });
        try {
          const started = Date.now();
          await app.deliver(orders.events.placed, { orderId: id, customer: 'c', total: 100, lines: placed.lines });
          expect(Date.now() - started).toBeLessThan(3_000);
          expect(reserveCalls).toBeGreaterThanOrEqual(1);
          const calls = reserveCalls;
          await new Promise((resolve) => setTimeout(resolve, 700)); // the saga goes on: it retries
          expect(reserveCalls).toBeGreaterThan(calls);
          expect((await store.load(id))?.status).toBe('PLACED');
        } finally {
          catalogDown = false;
          await app.stop();
          await module.stop?.();
        }
      }),
    20_000,
  );
});
