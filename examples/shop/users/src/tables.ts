import type { MessagingTables } from '@wharf/shop-platform';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface ProfilesTable {
  /** The provider's `sub`: who the user is. */
  subject: string;
  name: string;
  email: string;
  created_at: number;
}

export interface AddressesTable {
  id: string;
  subject: string;
  label: string;
  line1: string;
  city: string;
  postcode: string;
  country: string;
  created_at: number;
}

export interface UsersDb extends MessagingTables {
  profiles: ProfilesTable;
  addresses: AddressesTable;
}

export const migrations: Record<string, Migration> = {
  '001_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('profiles')
        .addColumn('subject', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(80)', (c) => c.notNull())
        .addColumn('email', 'varchar(120)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('addresses')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('subject', 'varchar(200)', (c) => c.notNull())
        .addColumn('label', 'varchar(40)', (c) => c.notNull())
        .addColumn('line1', 'varchar(120)', (c) => c.notNull())
        .addColumn('city', 'varchar(60)', (c) => c.notNull())
        .addColumn('postcode', 'varchar(16)', (c) => c.notNull())
        .addColumn('country', 'varchar(2)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('addresses_by_subject').on('addresses').columns(['subject', 'created_at']).execute();
    },
  },
};
