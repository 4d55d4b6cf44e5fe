// Must show 2 and 3: the distributed shop (every service its own process, two instances of orders
// and catalog, two gateways; RabbitMQ, etcd, PostgreSQL, Redis) takes 500 orders placed at once
// through the gateways while 20 % of payments are declined; then again while both orders
// processes are SIGKILLed mid-run and restarted, and again with payments. After each run every
// order is CONFIRMED or CANCELLED within the bound below, stock is the initial stock minus what
// confirmed orders bought, each confirmed order is charged exactly once and no cancelled one is,
// each order got exactly one "received" and one outcome message, and every outbox is drained.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { placeMany, quantile, ShopCluster, type Shopper, type ShopReport, verifyShop } from '@wharf/example-shop';
import { userToken } from '@wharf/identity-provider';
import { deleteAmqpNamespace, requireService, serviceUrl } from '@wharf/real-parts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, dropDatabases, eventually } from './support.js';

const parts = await Promise.all(
  (['rabbitmq', 'postgres', 'etcd', 'redis'] as const).map((part) => requireService(part, 'the distributed shop')),
);
const available = parts.every(Boolean);

const ORDERS = 500;
const INITIAL = 100_000;
/**
 * Every order finishes within this of the last one placed: the saga's 30 s timeout, the 10 s stall
 * before the sweep resumes an order, and one round of compensation on a loaded 2-core machine.
 */
const BOUND_MS = 60_000;
const PRODUCTS = ['mug', 'tee', 'cap', 'notebook', 'sticker', 'hoodie'];

describe.skipIf(!available)('the distributed shop under load, and after crashes', () => {
  const run = randomUUID().slice(0, 8);
  const prefix = `shop_load_${run}`;
  const logDir = mkdtempSync(join(tmpdir(), 'wharf-shop-cluster-'));
  let cluster: ShopCluster;
  let shoppers: Shopper[];

  beforeAll(async () => {
    cluster = new ShopCluster({
      databaseUrl: serviceUrl('postgres'),
      databasePrefix: prefix,
      amqpUrl: serviceUrl('rabbitmq'),
      amqpNamespace: `shop-${run}`,
      etcd: new URL(serviceUrl('etcd')).host,
      registryNamespace: `shop-${run}`,
      redisUrl: serviceUrl('redis'),
      logDir,
      env: {
        PAYMENTS_FAILURE_RATE: '0.2',
        PAYMENTS_LATENCY_MS: '5-40',
        CATALOG_INITIAL_STOCK: String(INITIAL),
        SHOP_RATE_USER: '500/1000',
        SHOP_RATE_IP: '5000/10000',
      },
    });
    await cluster.start();
    const gateway = cluster.gatewayUrls[0] as string;
    // 25 customers, signed in through the provider process with code + PKCE, each with an address.
    shoppers = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const token = await userToken(cluster.issuer, {
          user: `customer${i}`,
          clientId: 'storefront',
          redirectUri: `${gateway}/callback`,
          resource: 'urn:shop',
          scope: 'openid',
        });
        const address = { label: 'Home', line1: `${i} Dock Road`, city: 'Rotterdam', postcode: '3011', country: 'NL' };
        const created = await call<{ id: string }>(gateway, 'POST', '/v1/me/addresses', token, address);
        if (created.status !== 201) throw new Error(`address: ${created.status} ${JSON.stringify(created.body)}`);
        return { token, addressId: created.body.id };
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await dropDatabases(serviceUrl('postgres'), prefix).catch(() => {});
    await deleteAmqpNamespace(`shop-${run}`).catch(() => {});
    rmSync(logDir, { recursive: true, force: true });
  }, 60_000);

  /** 500 orders at once; `midway` runs once a third of them are placed. Returns the report. */
  async function round(label: string, midway?: () => Promise<void>): Promise<ShopReport> {
    const started = Date.now();
    let crash: Promise<void> | undefined;
    const { placed, failed } = await placeMany({
      gateways: cluster.gatewayUrls,
      shoppers,
      count: ORDERS,
      lines: (i) => [
        { productId: PRODUCTS[i % PRODUCTS.length] as string, quantity: 1 + (i % 3) },
        { productId: PRODUCTS[(i + 1) % PRODUCTS.length] as string, quantity: 1 },
      ],
      onPlaced: (n) => {
        if (n === Math.floor(ORDERS / 3) && midway !== undefined) crash = midway();
      },
    });
    await crash;
    const placedAt = Date.now();
    expect(failed).toEqual([]);
    expect(placed).toHaveLength(ORDERS);
    const report = await eventually(
      async () => {
        const r = await verifyShop(serviceUrl('postgres'), prefix, INITIAL);
        return r.unfinished === 0 && r.problems.length === 0 ? r : undefined;
      },
      BOUND_MS,
      `every order of "${label}" to finish, with the invariants holding`,
    ).catch(async (error: Error) => {
      const r = await verifyShop(serviceUrl('postgres'), prefix, INITIAL);
      throw new Error(`${error.message}\n${JSON.stringify(r, null, 1)}\nlogs: ${logDir}`);
    });
    const ms = placed.map((p) => p.ms);
    console.log(
      `${label}: ${ORDERS} placed in ${((placedAt - started) / 1000).toFixed(1)} s (place p50 ${quantile(ms, 0.5).toFixed(0)} ms, p99 ${quantile(ms, 0.99).toFixed(0)} ms, ` +
        `${placed.filter((p) => p.attempts > 1).length} retried by the client), all finished ${((Date.now() - placedAt) / 1000).toFixed(1)} s later — ` +
        `totals so far: ${report.orders} orders, ${report.confirmed} CONFIRMED, ${report.cancelled} CANCELLED (${report.cancelledByPayment} payment declined), ` +
        `${report.charged} charges standing, ${report.refunded} refunded, ${report.messages} messages, outbox pending ${JSON.stringify(report.outboxPending)}`,
    );
    return report;
  }

  it('500 concurrent orders with 20 % of payments declined: all finish, stock and charges add up', async () => {
    const report = await round('no crash');
    expect(report.orders).toBe(ORDERS);
    expect(report.cancelledByPayment).toBeGreaterThan(ORDERS * 0.1); // ~20 % declined
    expect(report.cancelledByPayment).toBeLessThan(ORDERS * 0.3);
    expect(report.confirmed + report.cancelled).toBe(ORDERS);
  }, 180_000);

  it('SIGKILL both orders processes mid-run and restart them: the outbox finishes, nothing lost or applied twice', async () => {
    const report = await round('orders killed', async () => {
      const names = cluster.named('orders');
      await Promise.all(names.map((name) => cluster.kill(name)));
      console.log(`SIGKILLed ${names.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await Promise.all(names.map((name) => cluster.restart(name)));
    });
    expect(report.orders).toBe(2 * ORDERS);
    expect(report.confirmed + report.cancelled).toBe(2 * ORDERS);
  }, 180_000);

  it('SIGKILL payments mid-run and restart it: each confirmed order still charged exactly once', async () => {
    const report = await round('payments killed', async () => {
      const [name] = cluster.named('payments');
      await cluster.kill(name as string);
      console.log(`SIGKILLed ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await cluster.restart(name as string);
    });
    expect(report.orders).toBe(3 * ORDERS);
    expect(report.confirmed + report.cancelled).toBe(3 * ORDERS);
  }, 180_000);
});
