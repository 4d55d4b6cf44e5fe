// A rebuild of the orders read model while the saga appends to an order, on PostgreSQL (READ
// COMMITTED). The rebuild folds the streams it read, then replaces the rows: an event appended in
// between was lost from the read model, which then stayed a version behind the stream — and since
// an append checks the read model's version, every later append to that order conflicted: the
// saga could never move it again. The test holds the rebuild just before it replaces the rows (a
// lock on orders_view), appends meanwhile, and lets both finish.
import { requireService, serviceUrl } from '@wharf/real-parts';
import { OrderStore, type OrdersDb, ordersService, replay } from '@wharf/shop-orders';
import { type Database, databaseUrlFor, messagingMigration, openDatabase } from '@wharf/shop-platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePrefix, dropDatabases, lockWaiters } from './support.js';

const postgres = await requireService('postgres', 'the orders event store on PostgreSQL');

describe.skipIf(!postgres)('rebuilding the read model while the saga appends', () => {
  const prefix = databasePrefix('rebuild');
  let database: Database<OrdersDb>;

  beforeAll(async () => {
    database = await openDatabase<OrdersDb>(
      'orders',
      { databaseUrl: serviceUrl('postgres'), databasePrefix: prefix, dataDir: '' },
      { '000_messaging': messagingMigration, ...ordersService.migrations },
    );
  });

  afterAll(async () => {
    await database?.close();
    await dropDatabases(serviceUrl('postgres'), prefix);
  });

  it('leaves the read model equal to the stream, and the order free to move on', async () => {
    const store = new OrderStore(database.db, { nudge() {} }, database.dialect);
    const id = 'o1';
    const at = Date.now();
    await store.append(id, 0, [{ type: 'OrderPlaced', customer: 'c', requestId: 'r', lines: [], total: 100, shipTo: 'x', at }]);
    // A damaged row: what a rebuild is for.
    await database.db.updateTable('orders_view').set({ total: 1 }).where('id', '=', id).execute();

    const blocker = new pg.Client({ connectionString: databaseUrlFor(serviceUrl('postgres'), database.location) });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table orders_view in share mode'); // readers pass, writers wait
      const rebuilding = store.rebuild();
      await lockWaiters(blocker, 1); // the rebuild has read the streams and waits to replace the rows
      const appending = store.append(id, 1, [{ type: 'StockReserved', expiresAt: at + 60_000, at: at + 1 }]);
      await lockWaiters(blocker, 2);
      await blocker.query('commit');
      await Promise.all([rebuilding, appending]);
    } finally {
      await blocker.end();
    }

    const stream = await store.load(id);
    expect(stream?.version).toBe(2);
    expect(await store.find(id)).toEqual(replay(id, await store.events(id)));
    // The saga's next step appends at the version it loaded from the stream.
    await store.append(id, 2, [{ type: 'CancelRequested', reason: 'test', at: at + 2 }]);
    expect((await store.find(id))?.status).toBe('CANCELLING');
  });
});
