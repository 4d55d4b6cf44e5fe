import type { MessagingTables } from '@wharf/shop-platform';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The event store: append-only; (order_id, version) unique, which is the optimistic concurrency check. */
export interface OrderEventsTable {
  order_id: string;
  version: number;
  type: string;
  data: string;
  at: number;
}

/** The read model (projection): one row per order, derived from its events. */
export interface OrdersViewTable {
  id: string;
  customer: string;
  status: string;
  lines: string;
  total: number;
  ship_to: string;
  reason: string;
  placed_at: number;
  updated_at: number;
  version: number;
}

/** Idempotent placing: one order per customer and request id. */
export interface OrderRequestsTable {
  customer: string;
  request_id: string;
  order_id: string;
}

export interface OrdersDb extends MessagingTables {
  order_events: OrderEventsTable;
  orders_view: OrdersViewTable;
  order_requests: OrderRequestsTable;
}

function viewTable(db: Kysely<unknown>, name: string) {
  return db.schema
    .createTable(name)
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('customer', 'varchar(200)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('ship_to', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('placed_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull());
}

export const migrations: Record<string, Migration> = {
  '001_orders': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('order_events')
        .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('type', 'varchar(40)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_events_pk', ['order_id', 'version'])
        .execute();
      await viewTable(db, 'orders_view').execute();
      await db.schema.createIndex('orders_by_customer').on('orders_view').columns(['customer', 'placed_at']).execute();
      await db.schema.createIndex('orders_in_flight').on('orders_view').columns(['status', 'updated_at']).execute();
      await db.schema
        .createTable('order_requests')
        .addColumn('customer', 'varchar(200)', (c) => c.notNull())
        .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_requests_pk', ['customer', 'request_id'])
        .execute();
    },
  },
};
