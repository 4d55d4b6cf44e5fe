// Two notifications instances on one database, as during a rolling update (the Deployment surges a
// new pod before the old one leaves), on PostgreSQL. Each sends the messages not delivered yet and
// then marks them; both read the same rows before either marked them, so each sent every one of
// them: every customer got those messages twice. The test holds the marking (a lock on messages)
// so that the second instance looks while the first is sending.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { type NotificationsDb, notificationsService } from '@wharf/shop-notifications';
import { type Database, databaseUrlFor, messagingMigration, openDatabase, type ServiceEnv } from '@wharf/shop-platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePrefix, dropDatabases, lockWaiters } from './support.js';

const postgres = await requireService('postgres', 'notifications on PostgreSQL');
const silent = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

describe.skipIf(!postgres)('two notifications instances sending at once', () => {
  const prefix = databasePrefix('mailbox');
  let dataDir: string;
  let database: Database<NotificationsDb>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-shop-mailbox-'));
    database = await openDatabase<NotificationsDb>(
      'notifications',
      { databaseUrl: serviceUrl('postgres'), databasePrefix: prefix, dataDir },
      { '000_messaging': messagingMigration, ...notificationsService.migrations },
    );
  });

  afterAll(async () => {
    await database?.close();
    await dropDatabases(serviceUrl('postgres'), prefix);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('send each message once between them', async () => {
    const ids = ['m1', 'm2', 'm3'];
    await database.db
      .insertInto('messages')
      .values(ids.map((id) => ({ id, customer: 'c', subject: 's', body: 'b', sent_at: Date.now(), delivered_at: null })))
      .execute();
    const instance = (mailbox: string) =>
      notificationsService.create({
        name: 'notifications',
        database,
        db: database.db,
        config: { dataDir },
        settings: { NOTIFICATIONS_MAILBOX: join(dataDir, mailbox) },
        logger: silent,
      } as unknown as ServiceEnv<NotificationsDb>);
    const [first, second] = [instance('first.jsonl'), instance('second.jsonl')];

    const blocker = new pg.Client({ connectionString: databaseUrlFor(serviceUrl('postgres'), database.location) });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table messages in share mode'); // reading passes, marking waits
      await first.start?.(); // sends what is due at once
      await lockWaiters(blocker, 1); // the first has sent them and waits to mark them
      await second.start?.();
      // The second is done, or has sent them too and waits to mark them.
      await Promise.race([second.stop?.(), lockWaiters(blocker, 2)]);
      await blocker.query('commit');
      await Promise.all([first.stop?.(), second.stop?.()]);
    } finally {
      await blocker.end();
    }

    const sent = ['first.jsonl', 'second.jsonl'].flatMap((file) => {
      try {
        return readFileSync(join(dataDir, file), 'utf8')
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { id: string }).id);
      } catch {
        return []; // that instance sent nothing
      }
    });
    expect(sent.sort()).toEqual(ids);
  });
});
