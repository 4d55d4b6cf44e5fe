import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import pg from 'pg';
import type { ShopConfig } from './config.js';

/** Which engine a database runs on; a few statements differ (row locks). */
export type Dialect = 'sqlite' | 'postgres';

/** A service's own database: Kysely over SQLite or PostgreSQL, migrated. */
export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** Where it is: the SQLite file or the PostgreSQL database name. */
  readonly location: string;
  close(): Promise<void>;
}

/** `postgres://u@h:5432/test` → the same server, database `name`. */
export function databaseUrlFor(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** PostgreSQL `bigint` (epoch ms, counters) as a JS number: every value the shop stores is a safe integer. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Creates database `name` on the server of `baseUrl` unless it exists (several processes may race). */
async function ensurePostgresDatabase(baseUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`).catch((error: { code?: string }) => {
        // 42P04: it exists (another instance won the race); 23505: the same race seen by the catalog.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Opens `service`'s database — `<dataDir>/<service>.sqlite`, or `<prefix>_<service>` on the
 * PostgreSQL server of `DATABASE_URL` — and runs its migrations. Each service owns its database:
 * no other service reads or writes it.
 */
export async function openDatabase<DB>(
  service: string,
  config: Pick<ShopConfig, 'dataDir' | 'databaseUrl' | 'databasePrefix'>,
  migrations: Readonly<Record<string, Migration>>,
): Promise<Database<DB>> {
  let db: Kysely<DB>;
  let dialect: Dialect;
  let location: string;
  if (config.databaseUrl !== undefined) {
    location = `${config.databasePrefix}_${service}`;
    await ensurePostgresDatabase(config.databaseUrl, location);
    const pool = new pg.Pool({ connectionString: databaseUrlFor(config.databaseUrl, location), max: 10, types });
    pool.on('error', () => {}); // an idle client's error (server restart); the next query reconnects
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    location = join(config.dataDir, `${service}.sqlite`);
    const file = new SQLite(location);
    file.pragma('journal_mode = WAL'); // readers do not wait for the writer
    file.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable at each checkpoint, no fsync per commit
    file.pragma('busy_timeout = 5000');
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: file }) });
    dialect = 'sqlite';
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migrating the ${service} database (${location}) failed at ${failed ?? 'the start'}: ${String(error)}`, {
      cause: error,
    });
  }
  return { db, dialect, location, close: () => db.destroy() };
}

/** True when `error` is a unique or primary-key violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
