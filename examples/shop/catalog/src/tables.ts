import type { MessagingTables } from '@wharf/shop-platform';
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface ProductsTable {
  id: string;
  name: string;
  description: string;
  price: number;
  /** Units on hand that no reservation holds. */
  available: number;
}

/** One order's hold on stock: held until committed, released, or expired. */
export interface ReservationsTable {
  order_id: string;
  /** `[{ productId, quantity }]` as JSON. */
  lines: string;
  status: 'held' | 'committed' | 'released';
  reason: string;
  expires_at: number;
  updated_at: number;
}

export interface CatalogDb extends MessagingTables {
  products: ProductsTable;
  reservations: ReservationsTable;
}

export const migrations: Record<string, Migration> = {
  '001_catalog': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('products')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(120)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('price', 'integer', (c) => c.notNull())
        .addColumn('available', 'integer', (c) => c.notNull())
        .addCheckConstraint('available_not_negative', sql`available >= 0`)
        .execute();
      await db.schema
        .createTable('reservations')
        .addColumn('order_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('lines', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('reason', 'varchar(200)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // The expiry sweep: held reservations past their time.
      await db.schema.createIndex('reservations_expiry').on('reservations').columns(['status', 'expires_at']).execute();
    },
  },
};

/** The products a new catalog starts with. */
export const SEED: readonly Omit<ProductsTable, 'available'>[] = [
  { id: 'mug', name: 'Harbour mug', description: 'Stoneware, 350 ml, keeps tea warm through a stand-up.', price: 1200 },
  { id: 'tee', name: 'Wharf tee', description: 'Organic cotton, navy, with the crane on the back.', price: 2400 },
  { id: 'cap', name: 'Deck cap', description: 'Six panels, adjustable, salt-resistant.', price: 1800 },
  { id: 'notebook', name: 'Logbook', description: 'A5, dotted, 160 pages for design notes.', price: 900 },
  { id: 'sticker', name: 'Sticker sheet', description: 'Twelve vinyl stickers: anchors, cranes, containers.', price: 400 },
  { id: 'hoodie', name: 'Quay hoodie', description: 'Heavy fleece for the night shift at the docks.', price: 5200 },
];
