import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The outbox: events written in the same transaction as the change that caused them. */
export interface OutboxTable {
  id: string;
  name: string;
  payload: string;
  created_at: number;
  published_at: number | null;
}

/** The inbox: message ids each consumer has handled, written with the handler's effect. */
export interface InboxTable {
  consumer: string;
  message_id: string;
  handled_at: number;
}

/** The tables every service with an outbox or inbox has; a service's own tables extend this. */
export interface MessagingTables {
  outbox: OutboxTable;
  inbox: InboxTable;
}

/** Migration `000_messaging`: outbox and inbox, the same on SQLite and PostgreSQL. */
export const messagingMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('outbox')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(120)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('published_at', 'bigint')
      .execute();
    // The relay's query: unpublished rows, oldest first.
    await db.schema.createIndex('outbox_unpublished').on('outbox').columns(['published_at', 'created_at']).execute();
    await db.schema
      .createTable('inbox')
      .addColumn('consumer', 'varchar(120)', (c) => c.notNull())
      .addColumn('message_id', 'varchar(120)', (c) => c.notNull())
      .addColumn('handled_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('inbox_pk', ['consumer', 'message_id'])
      .execute();
  },
};
