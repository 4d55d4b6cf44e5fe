// The orders service alone, for tests of its saga and sweeper: a scratch SQLite database, and the
// service's environment with the caller a test gives it (fakes of catalog and payments).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@wharf/core';
import { type OrdersDb, ordersService } from '@wharf/shop-orders';
import { type Database, messagingMigration, openDatabase, type ServiceEnv } from '@wharf/shop-platform';

export const silent = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

/** A migrated orders database in a new temporary folder; `close` deletes it. */
export async function scratchOrdersDatabase(): Promise<{ database: Database<OrdersDb>; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-shop-orders-'));
  const database = await openDatabase<OrdersDb>(
    'orders',
    { dataDir, databaseUrl: undefined, databasePrefix: '' },
    { '000_messaging': messagingMigration, ...ordersService.migrations },
  );
  return {
    database,
    async close() {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What `ordersService.create` is given, with `caller` answering its calls and `settings` as its env vars. */
export function ordersEnv(
  database: Database<OrdersDb>,
  caller: { call(ref: unknown, input: never): Promise<unknown> },
  settings: Record<string, string>,
): ServiceEnv<OrdersDb> {
  return {
    name: 'orders',
    database,
    db: database.db,
    settings,
    outbox: { nudge() {} },
    app: () => caller,
    logger: silent,
  } as unknown as ServiceEnv<OrdersDb>;
}
