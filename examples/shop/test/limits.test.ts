// Limits an attacker pushes on from the outside, on PostgreSQL (which enforces column sizes and
// runs requests truly in parallel): the address cap under concurrent requests, one product's
// quantity cap split over several lines, and a user whose name is longer than a profile name.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedShop, startEmbeddedShop } from '@wharf/example-shop';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, databasePrefix, dropDatabases, shopper, signIn } from './support.js';

const postgres = await requireService('postgres', 'the shop limits on PostgreSQL');

describe.skipIf(!postgres)('the shop limits, from the outside', () => {
  let shop: EmbeddedShop;
  let dataDir: string;
  const prefix = databasePrefix('limits');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-shop-limits-'));
    shop = await startEmbeddedShop({
      port: 0,
      providerPort: 0,
      dataDir,
      databaseUrl: serviceUrl('postgres'),
      databasePrefix: prefix,
      settings: { PAYMENTS_FAILURE_RATE: '0', PAYMENTS_LATENCY_MS: '1-5', NOTIFICATIONS_MAILBOX: join(dataDir, 'mailbox.jsonl') },
    });
  });

  afterAll(async () => {
    await shop?.stop();
    await dropDatabases(serviceUrl('postgres'), prefix);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('at most 20 addresses, even when 30 are added at once', async () => {
    const token = await signIn(shop.provider, shop.url, 'many-homes');
    const address = { label: 'x', line1: 'y', city: 'z', postcode: '1', country: 'NL' };
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => call(shop.url, 'POST', '/v1/me/addresses', token, address)),
    );
    const me = await call<{ addresses: unknown[] }>(shop.url, 'GET', '/v1/me', token);
    expect(me.body.addresses).toHaveLength(20);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(20);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(10);
  });

  it('one product in two lines is refused: the quantity cap of a product is per order', async () => {
    const who = await shopper(shop.provider, shop.url, 'bulk-buyer');
    const lines = Array.from({ length: 20 }, () => ({ productId: 'sticker', quantity: 10 }));
    const answer = await call(shop.url, 'POST', '/v1/orders', who.token, {
      requestId: randomUUID(),
      addressId: who.addressId,
      lines,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('INVALID_ARGUMENT');
    expect(JSON.stringify(answer.body.details)).toMatch(/lines\.1\.productId/);
  });

  it('a user name longer than a profile name (80) still gets a profile, its name cut to fit', async () => {
    const subject = `user-${'x'.repeat(120)}`;
    const token = await signIn(shop.provider, shop.url, subject);
    const me = await call<{ subject: string; name: string }>(shop.url, 'GET', '/v1/me', token);
    expect(me.status).toBe(200);
    expect(me.body.subject).toBe(subject);
    expect(me.body.name).toBe(subject.slice(0, 80));
  });

  it('a subject longer than the shop stores (200) is a clear 401, not a 500 from the database', async () => {
    const token = await signIn(shop.provider, shop.url, 'y'.repeat(250));
    const me = await call(shop.url, 'GET', '/v1/me', token);
    expect(me.status).toBe(401);
    expect(me.body.detail).toMatch(/at most 200/);
  });
});
