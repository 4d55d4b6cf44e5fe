import { setTimeout as sleep } from 'node:timers/promises';
import { implement, on, WharfError } from '@wharf/core';
import { front, mailer, orders } from './contracts.js';

/** front: calls orders over whatever transport reaches it (gRPC in the example). */
export const frontService = implement(front, {
  async order(input, ctx) {
    ctx.log.info({ item: input.item }, 'order received');
    return ctx.client(orders).place(input);
  },
  fail({ code }) {
    throw new WharfError(code, `Failing on purpose with ${code}`);
  },
  async slow({ ms }, ctx) {
    await sleep(ms, undefined, { signal: ctx.signal });
    return { waited: ms };
  },
});

let nextOrder = 0;

/** orders: `boom` is a bug (INTERNAL); every other order is announced with `orders.placed`. */
export const ordersService = implement(orders, {
  async place({ item, qty }, ctx) {
    if (item === 'boom') throw new Error('the order book is corrupt');
    const orderId = `o-${process.pid}-${++nextOrder}`;
    ctx.log.info({ orderId }, 'order placed');
    await ctx.emit(orders.events.placed, { orderId, item, qty });
    return { orderId };
  },
});

/** What the mailer did, for tests. */
export const mailed = { sent: 0, failed: 0, orders: [] as string[] };

/** mailer: an order of `poison` fails every time, so it is retried and then dead-lettered. */
export const mailerService = implement(
  mailer,
  {
    sent: () => ({ sent: mailed.sent, failed: mailed.failed }),
  },
  {
    on: {
      onPlaced: on(orders.events.placed.name, {
        input: orders.events.placed.payload,
        async handler(event, ctx) {
          if (event.item === 'poison') {
            mailed.failed++;
            throw new WharfError('UNAVAILABLE', `The mail server refused the confirmation of ${event.orderId}`);
          }
          ctx.log.info({ orderId: event.orderId }, 'confirmation mailed');
          mailed.sent++;
          mailed.orders.push(event.orderId);
        },
      }),
    },
  },
);
