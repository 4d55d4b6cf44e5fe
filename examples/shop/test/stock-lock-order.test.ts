// Two catalog commands taking the same products at once, on PostgreSQL: each locks the product rows
// it changes until it commits, so two that lock them in opposite orders (an order of a mug and a
// tee, another of a tee and a mug) wait for each other. PostgreSQL breaks the deadlock after a
// second by failing one of them: a reservation refused with "deadlock detected", which the saga
// could only retry. The test lines the two up behind a lock on the mug, then lets them go.
import { requireService, serviceUrl } from '@wharf/real-parts';
import { type CatalogDb, catalogService, SEED, Stock } from '@wharf/shop-catalog';
import { type Database, databaseUrlFor, messagingMigration, openDatabase } from '@wharf/shop-platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePrefix, dropDatabases, lockWaiters } from './support.js';

const postgres = await requireService('postgres', 'the catalog on PostgreSQL');

describe.skipIf(!postgres)('two reservations of the same products in opposite orders', () => {
  const prefix = databasePrefix('stock');
  let database: Database<CatalogDb>;

  beforeAll(async () => {
    database = await openDatabase<CatalogDb>(
      'catalog',
      { databaseUrl: serviceUrl('postgres'), databasePrefix: prefix, dataDir: '' },
      { '000_messaging': messagingMigration, ...catalogService.migrations },
    );
    await database.db
      .insertInto('products')
      .values(SEED.map((p) => ({ ...p, available: 10 })))
      .execute();
  });

  afterAll(async () => {
    await database?.close();
    await dropDatabases(serviceUrl('postgres'), prefix);
  });

  it('both hold their stock: neither fails on a deadlock', async () => {
    const stock = new Stock(database.db);
    const blocker = new pg.Client({ connectionString: databaseUrlFor(serviceUrl('postgres'), database.location) });
    await blocker.connect();
    let outcomes: PromiseSettledResult<{ status: string }>[];
    try {
      await blocker.query('begin');
      await blocker.query("select 1 from products where id = 'mug' for update");
      const first = stock.reserve(
        'a',
        [
          { productId: 'mug', quantity: 1 },
          { productId: 'tee', quantity: 1 },
        ],
        60_000,
      );
      await lockWaiters(blocker, 1);
      const second = stock.reserve(
        'b',
        [
          { productId: 'tee', quantity: 2 },
          { productId: 'mug', quantity: 2 },
        ],
        60_000,
      );
      await lockWaiters(blocker, 2);
      await blocker.query('commit');
      outcomes = await Promise.allSettled([first, second]);
    } finally {
      await blocker.end();
    }

    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.status : String(o.reason)))).toEqual(['reserved', 'reserved']);
    const left = await database.db.selectFrom('products').select(['id', 'available']).where('id', 'in', ['mug', 'tee']).execute();
    expect(Object.fromEntries(left.map((p) => [p.id, p.available]))).toEqual({ mug: 7, tee: 7 });
  });
});
