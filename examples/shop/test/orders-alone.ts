// The orders service alone, for tests of its saga and sweeper: a scratch SQLite database, its
// event store, and the service's environment with the caller a test gives it (fakes of catalog
// and payments).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@wharf/core';
import { OrderStore, type OrdersDb, ordersService } from '@wharf/shop-orders';
import { messagingMigration, openDatabase, type ServiceEnv } from '@wharf/shop-platform';

const silent = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

/** What a test of the orders service alone gets. */
export interface OrdersAlone {
  /** The event store on the scratch database. */
  readonly store: OrderStore;
  /** What `ordersService.create` is given, with `caller` answering its calls and `settings` as its env vars. */
  env(caller: { call(ref: unknown, input: never): Promise<unknown> }, settings: Record<string, string>): ServiceEnv<OrdersDb>;
}

/** Runs `test` on a migrated orders database in a new temporary folder, deleted afterwards. */
export async function withOrdersAlone(test: (alone: OrdersAlone) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-shop-orders-'));
  const database = await openDatabase<OrdersDb>(
    'orders',
    { dataDir, databaseUrl: undefined, databasePrefix: '' },
    { '000_messaging': messagingMigration, ...ordersService.migrations },
  );
  try {
    await test({
      store: new OrderStore(database.db, { nudge() {} }, database.dialect),
      env: (caller, settings) =>
        ({
          name: 'orders',
          database,
          db: database.db,
          settings,
          outbox: { nudge() {} },
          app: () => caller,
          logger: silent,
        }) as unknown as ServiceEnv<OrdersDb>,
    });
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
