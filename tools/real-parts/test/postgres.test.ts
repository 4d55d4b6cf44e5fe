// PostgreSQL: a transaction that writes and reads back a row, and one that is rolled back, with
// `pg`, the driver the shop's PostgreSQL mode uses.
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const available = await requireService('postgres', 'the PostgreSQL smoke test');

describe.skipIf(!available)('PostgreSQL (DATABASE_URL)', () => {
  it('commits one row, rolls back another, in the test database', async () => {
    const client = new pg.Client({ connectionString: serviceUrl('postgres') });
    await client.connect();
    const table = `smoke_${randomBytes(4).toString('hex')}`;
    try {
      await client.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, note text NOT NULL)`);
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} (note) VALUES ($1)`, ['kept']);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} (note) VALUES ($1)`, ['discarded']);
      await client.query('ROLLBACK');
      const { rows } = await client.query(`SELECT note FROM ${table} ORDER BY id`);
      expect(rows).toEqual([{ note: 'kept' }]);
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });
});
