// The orders sweeper resumes unfinished orders nobody moved for a while (a lost trigger, a crash).
// It waited for every saga it resumed before it would sweep again, so one order whose command kept
// failing (up to 40 attempts with back-off: more than a minute) held back every order that stalled
// meanwhile — past the bound docs/shop.md promises. The orders service runs here on SQLite with
// fake catalog and payments: catalog keeps refusing one order, and another order stalls later.
import { WharfError } from '@wharf/core';
import { payments, stock } from '@wharf/shop-contracts';
import { type OrderEvent, ordersService } from '@wharf/shop-orders';
import { describe, expect, it } from 'vitest';
import { withOrdersAlone } from './orders-alone.js';
import { eventually } from './support.js';

describe('the orders sweeper', () => {
  it('resumes an order that stalls while it is still retrying another', () =>
    withOrdersAlone(async ({ store, env: ordersEnv }) => {
      const placed = (): OrderEvent => ({
        type: 'OrderPlaced',
        customer: 'c',
        requestId: crypto.randomUUID(),
        lines: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: 100 }],
        total: 100,
        shipTo: 'x',
        at: Date.now() - 60_000, // nobody has moved it for a minute
      });
      let catalogRefusesStuck = true;
      const reserveCalls = new Map<string, number>();
      const caller = {
        async call(ref: unknown, input: { orderId?: string }) {
          if (ref === stock.methods.reserve) {
            const id = input.orderId as string;
            reserveCalls.set(id, (reserveCalls.get(id) ?? 0) + 1);
            if (id === 'stuck') {
              if (catalogRefusesStuck) throw new WharfError('UNAVAILABLE', 'catalog is unavailable for this order');
              throw new WharfError('FAILED_PRECONDITION', 'the test is over');
            }
            return { status: 'reserved', reason: '', expiresAt: Date.now() + 60_000 };
          }
          if (ref === payments.methods.charge) return { status: 'captured', paymentId: 'p', reason: '' };
          if (ref === stock.methods.commit) return { status: 'committed' };
          throw new Error(`unexpected call ${String(ref)}`);
        },
      };
      const env = ordersEnv(caller, { ORDERS_SWEEP_MS: '50', ORDERS_STALL_MS: '1000', ORDERS_SAGA_TIMEOUT_MS: '600000' });
      await store.append('stuck', 0, [placed()]);
      const orders = ordersService.create(env);
      await orders.start?.();
      try {
        await eventually(
          async () => (reserveCalls.get('stuck') ?? 0) >= 2 || undefined,
          5_000,
          'the sweep to resume the stuck order',
        );
        await store.append('late', 0, [placed()]); // its trigger was lost
        const late = await eventually(
          async () => {
            const state = await store.load('late');
            return state?.status === 'CONFIRMED' ? state : undefined;
          },
          3_000,
          'the sweep to resume the order that stalled later',
        );
        expect(late.status).toBe('CONFIRMED');
      } finally {
        catalogRefusesStuck = false;
        await orders.stop?.();
      }
    }));
});
