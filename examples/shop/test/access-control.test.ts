// Must show 4: broken access control, endpoint by endpoint, through the gateway as an attacker
// would call it. User A never sees, changes or cancels user B's data — another user's order is the
// same 404 as an order that does not exist, so ids cannot be probed — and no input can set a
// price, a total, an owner or a status (inputs are strict: unknown keys are a 400).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, memoryTransport } from '@wharf/core';
import { type EmbeddedShop, startEmbeddedShop } from '@wharf/example-shop';
import { payments, stock } from '@wharf/shop-contracts';
import type { OrdersDb } from '@wharf/shop-orders';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, finished, type Order, place, shopper } from './support.js';

let shop: EmbeddedShop;
let dataDir: string;
let a: { token: string; addressId: string };
let b: { token: string; addressId: string };
let bOrder: Order;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wharf-shop-access-'));
  shop = await startEmbeddedShop({
    port: 0,
    providerPort: 0,
    dataDir,
    settings: { PAYMENTS_FAILURE_RATE: '0', PAYMENTS_LATENCY_MS: '1-5', NOTIFICATIONS_MAILBOX: join(dataDir, 'mailbox.jsonl') },
  });
  a = await shopper(shop.provider, shop.url, 'alice');
  b = await shopper(shop.provider, shop.url, 'bob');
  bOrder = (await place(shop.url, b, [{ productId: 'hoodie', quantity: 1 }])).body;
  await finished(shop.url, b.token, bOrder.id);
});

afterAll(async () => {
  await shop?.stop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

const expectBadInput = (answer: { status: number; body: Record<string, unknown> }) => {
  expect(answer.status).toBe(400);
  expect(answer.body.code).toBe('INVALID_ARGUMENT');
};

describe('users', () => {
  it('GET /v1/me is always the caller; no parameter names another user', async () => {
    expect((await call(shop.url, 'GET', '/v1/me', a.token)).body.subject).toBe('alice');
    expectBadInput(await call(shop.url, 'GET', '/v1/me?subject=bob', a.token));
    expect((await call(shop.url, 'GET', '/v1/me')).status).toBe(401);
  });

  it('PUT /v1/me changes the caller only, and not their identity', async () => {
    expectBadInput(await call(shop.url, 'PUT', '/v1/me', a.token, { name: 'A', email: 'a@example.com', subject: 'bob' }));
    expect((await call(shop.url, 'PUT', '/v1/me', a.token, { name: 'Alice', email: 'alice@example.com' })).status).toBe(200);
    const bob = await call(shop.url, 'GET', '/v1/me', b.token);
    expect(bob.body).toMatchObject({ subject: 'bob', name: 'bob', email: '' });
  });

  it('POST /v1/me/addresses cannot choose the id or the owner', async () => {
    const address = { label: 'x', line1: 'y', city: 'z', postcode: '1', country: 'NL' };
    expectBadInput(await call(shop.url, 'POST', '/v1/me/addresses', a.token, { ...address, id: b.addressId }));
    expectBadInput(await call(shop.url, 'POST', '/v1/me/addresses', a.token, { ...address, subject: 'bob' }));
  });

  it("GET /v1/me/addresses/:id of another user's address is 404, like one that does not exist", async () => {
    const theirs = await call(shop.url, 'GET', `/v1/me/addresses/${b.addressId}`, a.token);
    const nobodys = await call(shop.url, 'GET', `/v1/me/addresses/${randomUUID()}`, a.token);
    expect([theirs.status, nobodys.status]).toEqual([404, 404]);
    expect(theirs.body.title).toBe(nobodys.body.title);
    expect((await call(shop.url, 'GET', `/v1/me/addresses/${b.addressId}`, b.token)).status).toBe(200);
  });
});

describe('orders', () => {
  it("GET /v1/orders/:id of another user's order is 404, like one that does not exist", async () => {
    const theirs = await call(shop.url, 'GET', `/v1/orders/${bOrder.id}`, a.token);
    const nobodys = await call(shop.url, 'GET', `/v1/orders/${randomUUID()}`, a.token);
    expect([theirs.status, nobodys.status]).toEqual([404, 404]);
    expect(theirs.body.title).toBe(nobodys.body.title);
    expect(JSON.stringify(theirs.body)).not.toContain('bob');
    expect((await call(shop.url, 'GET', `/v1/orders/${bOrder.id}`, b.token)).status).toBe(200);
    expect((await call(shop.url, 'GET', '/v1/orders/not-a-uuid', a.token)).status).toBe(400);
  });

  it("GET /v1/orders lists the caller's orders only", async () => {
    await place(shop.url, a, [{ productId: 'mug', quantity: 1 }]);
    const mine = await call<{ orders: Order[] }>(shop.url, 'GET', '/v1/orders', a.token);
    expect(mine.body.orders.length).toBeGreaterThan(0);
    expect(mine.body.orders.map((o) => o.id)).not.toContain(bOrder.id);
    expectBadInput(await call(shop.url, 'GET', '/v1/orders?customer=bob', a.token));
  });

  it("POST /v1/orders/:id/cancel on another user's order is 404 and changes nothing", async () => {
    const fresh = (await place(shop.url, b, [{ productId: 'cap', quantity: 1 }])).body;
    expect((await call(shop.url, 'POST', `/v1/orders/${fresh.id}/cancel`, a.token)).status).toBe(404);
    const after = await finished(shop.url, b.token, fresh.id);
    expect(after.status).toBe('CONFIRMED');
    const orders = shop.services.orders?.database.db as unknown as Kysely<OrdersDb>;
    const events = await orders.selectFrom('order_events').select('type').where('order_id', '=', fresh.id).execute();
    expect(events.map((e) => e.type)).not.toContain('CancelRequested');
  });

  it("GET /v1/orders/:id/watch of another user's order is 404", async () => {
    const response = await fetch(`${shop.url}/v1/orders/${bOrder.id}/watch`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(response.status).toBe(404);
  });

  it('POST /v1/orders: prices, totals, owner and status are the shop’s — any such field is refused', async () => {
    const good = { requestId: randomUUID(), addressId: a.addressId, lines: [{ productId: 'mug', quantity: 2 }] };
    for (const extra of [{ total: 1 }, { status: 'CONFIRMED' }, { customer: 'bob' }, { id: randomUUID() }, { version: 9 }]) {
      expectBadInput(await call(shop.url, 'POST', '/v1/orders', a.token, { ...good, requestId: randomUUID(), ...extra }));
    }
    for (const line of [{ unitPrice: 1 }, { name: 'free' }, { price: 0 }]) {
      const lines = [{ productId: 'mug', quantity: 2, ...line }];
      expectBadInput(await call(shop.url, 'POST', '/v1/orders', a.token, { ...good, requestId: randomUUID(), lines }));
    }
    expectBadInput(await call(shop.url, 'POST', '/v1/orders', a.token, { ...good, lines: [{ productId: 'mug', quantity: -5 }] }));
    expectBadInput(
      await call(shop.url, 'POST', '/v1/orders', a.token, { ...good, lines: [{ productId: 'mug', quantity: 1000 }] }),
    );
    // Another user's address is not yours to ship to.
    expectBadInput(await call(shop.url, 'POST', '/v1/orders', a.token, { ...good, addressId: b.addressId }));
    const placed = await call<Order>(shop.url, 'POST', '/v1/orders', a.token, good);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'PLACED',
      total: 2400,
      lines: [{ productId: 'mug', quantity: 2, unitPrice: 1200 }],
    });
    // The same request id is the same order (a retry), not a second one.
    const again = await call<Order>(shop.url, 'POST', '/v1/orders', a.token, good);
    expect(again.body.id).toBe(placed.body.id);
  });
});

describe('catalog, notifications and what is not public', () => {
  it('the catalog is read-only from outside: no route writes a product or a price', async () => {
    for (const [method, path] of [
      ['PUT', '/v1/products/mug'],
      ['POST', '/v1/products'],
      ['DELETE', '/v1/products/mug'],
      ['PATCH', '/v1/products/mug'],
    ] as const) {
      expect([404, 405]).toContain((await call(shop.url, method, path, a.token, { price: 1 })).status);
    }
    expectBadInput(await call(shop.url, 'POST', '/v1/products/lookup', a.token, { ids: ['mug'], price: 1 }));
    expect((await call<{ price: number }>(shop.url, 'GET', '/v1/products/mug')).body.price).toBe(1200);
  });

  it("GET /v1/notifications shows the caller's messages only", async () => {
    const mine = await call<{ messages: { body: string }[] }>(shop.url, 'GET', '/v1/notifications', a.token);
    expect(mine.body.messages.some((m) => m.body.includes(bOrder.id))).toBe(false);
    const theirs = await call<{ messages: { body: string }[] }>(shop.url, 'GET', '/v1/notifications', b.token);
    expect(theirs.body.messages.some((m) => m.body.includes(bOrder.id))).toBe(true);
  });

  it('internal commands have no route at the gateway', async () => {
    for (const path of [
      '/v1/stock/reserve',
      '/v1/stock/commit',
      '/v1/payments/charge',
      '/v1/payments/void',
      '/v1/orders_admin/rebuild',
    ]) {
      expect((await call(shop.url, 'POST', path, a.token, {})).status).toBe(404);
    }
  });

  it('a user token is refused by internal commands even with the internal scope; a service token is accepted', async () => {
    // The browser client may ask the provider for the API's internal scope; the command still refuses it.
    const scoped = await shop.provider.userToken({
      user: 'alice',
      clientId: 'storefront',
      redirectUri: `${shop.url}/callback`,
      resource: 'urn:shop',
      scope: 'shop:internal',
    });
    // A caller inside the shop's network with no credentials of its own: it sends what it is given.
    const insider = createApp({
      name: 'insider',
      transports: [memoryTransport({ network: shop.embedded.network })],
      registry: shop.embedded.registry,
      logger: { level: 'silent' },
    });
    await insider.start();
    const reserve = { orderId: bOrder.id, lines: [{ productId: 'mug', quantity: 10 }], ttlMs: 60_000 };
    const as = (token: string) => ({ metadata: { authorization: token.startsWith('Bearer ') ? token : `Bearer ${token}` } });
    for (const token of [scoped, a.token]) {
      await expect(insider.call(stock.methods.reserve, reserve, as(token))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      const charge = { key: 'x', orderId: bOrder.id, customer: 'alice', amount: 1 };
      await expect(insider.call(payments.methods.charge, charge, as(token))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    }
    // With the orders service's own token (client credentials) the same command runs: it answers
    // from the order's existing reservation, idempotent by order id, and takes no more stock.
    const service = (await shop.services.orders?.credentials.authorization()) as string;
    expect(await insider.call(stock.methods.reserve, reserve, as(service))).toMatchObject({ status: 'reserved' });
    expect((await call<{ available: number }>(shop.url, 'GET', '/v1/products/mug')).body.available).toBeGreaterThan(90);
    await insider.stop();
  });
});
