import type { MessagingTables } from '@wharf/shop-platform';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** A message to a customer; `delivered_at` once it is in the mailbox file. */
export interface MessagesTable {
  /** The id of the event that caused it: one message per event. */
  id: string;
  customer: string;
  subject: string;
  body: string;
  sent_at: number;
  delivered_at: number | null;
}

export interface NotificationsDb extends MessagingTables {
  messages: MessagesTable;
}

export const migrations: Record<string, Migration> = {
  '001_notifications': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('messages')
        .addColumn('id', 'varchar(120)', (c) => c.primaryKey())
        .addColumn('customer', 'varchar(200)', (c) => c.notNull())
        .addColumn('subject', 'varchar(200)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('messages_by_customer').on('messages').columns(['customer', 'sent_at']).execute();
      await db.schema.createIndex('messages_undelivered').on('messages').columns(['delivered_at']).execute();
    },
  },
};
