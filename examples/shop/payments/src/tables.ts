import type { MessagingTables } from '@wharf/shop-platform';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** One row per idempotency key: what happened to the charge made with it. */
export interface ChargesTable {
  key: string;
  order_id: string;
  customer: string;
  amount: number;
  /** captured, failed (declined), voided (blocked before any charge) or refunded (captured, then given back). */
  status: 'captured' | 'failed' | 'voided' | 'refunded';
  payment_id: string;
  reason: string;
  created_at: number;
  updated_at: number;
}

export interface PaymentsDb extends MessagingTables {
  charges: ChargesTable;
}

export const migrations: Record<string, Migration> = {
  '001_payments': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('charges')
        .addColumn('key', 'varchar(80)', (c) => c.primaryKey())
        .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('customer', 'varchar(200)', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('payment_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
