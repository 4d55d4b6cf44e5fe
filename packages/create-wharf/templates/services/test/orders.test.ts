import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import { orders, users } from '../src/contracts.js';
import { Orders } from '../src/orders.js';
import { Users } from '../src/users.js';

describe('orders', () => {
  it('places an order for a known user and credits their points once the event is handled', async () => {
    const app = await createTestApp({ services: [new Users(), new Orders()] });
    await expect(app.client(orders).place({ userId: 1, item: 'book', total: 120 })).resolves.toEqual({
      orderId: 1,
      customer: 'Ada',
    });
    await app.settled();
    expect(app.emittedOf(orders.events.placed).map((e) => e.payload)).toEqual([{ orderId: 1, userId: 1, total: 120 }]);
    await expect(app.client(users).get({ id: 1 })).resolves.toMatchObject({ points: 12 });
    await expect(app.client(orders).place({ userId: 9, item: 'book', total: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await app.stop();
  });

  it('credits points once when the event is duplicated and redelivered', async () => {
    const app = await createTestApp({ services: [new Users(), new Orders()] });
    app.faults.duplicate(orders.events.placed.name);
    app.faults.dropThenRedeliver(orders.events.placed.name, { afterHandling: true });
    await app.client(orders).place({ userId: 2, item: 'pen', total: 50 });
    await app.settled();
    await expect(app.client(users).get({ id: 2 })).resolves.toMatchObject({ points: 5 });
    await app.stop();
  });

  it('fails the caller with UNAVAILABLE while the connection to users is broken', async () => {
    const app = await createTestApp({ services: [new Users(), new Orders()] });
    app.faults.disconnect();
    await expect(app.client(orders).place({ userId: 1, item: 'book', total: 10 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    app.faults.reconnect();
    await expect(app.client(orders).place({ userId: 1, item: 'book', total: 10 })).resolves.toMatchObject({ customer: 'Ada' });
    await app.stop();
  });
});
