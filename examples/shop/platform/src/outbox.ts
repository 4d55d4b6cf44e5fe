import { randomUUID } from 'node:crypto';
import type { EmitOptions, Logger } from '@wharf/core';
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from './database.js';
import type { MessagingTables } from './messaging-tables.js';

/** An event to publish once the transaction that wrote it has committed. */
export interface OutboxEvent {
  readonly name: string;
  readonly payload: unknown;
  /** The event's id on the bus, its consumers' deduplication key; a new UUID by default. */
  readonly id?: string;
}

/** Writes `events` into the outbox inside `trx`: they exist exactly when the change that caused them does. */
export async function addToOutbox<DB extends MessagingTables>(
  trx: Transaction<DB>,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const now = Date.now();
  await (trx as unknown as Transaction<MessagingTables>)
    .insertInto('outbox')
    .values(
      events.map((e) => ({
        id: e.id ?? randomUUID(),
        name: e.name,
        payload: JSON.stringify(e.payload),
        created_at: now,
        published_at: null,
      })),
    )
    .execute();
}

/** What publishes: the app (`app.emit`), on AMQP or the in-memory bus. */
export interface Publisher {
  emit(event: string, payload: unknown, options?: EmitOptions): Promise<void>;
}

export interface OutboxRelayOptions {
  readonly db: Kysely<MessagingTables>;
  readonly dialect: Dialect;
  readonly publisher: Publisher;
  /** The service's own token for the events it publishes (client credentials). */
  readonly authorization?: () => Promise<string>;
  readonly logger: Logger;
  /** How often it looks for rows nobody nudged it about (another instance's, or left by a crash); default 500 ms. */
  readonly intervalMs?: number;
  /** Rows per round; default 100. */
  readonly batch?: number;
}

interface Row {
  id: string;
  name: string;
  payload: string;
}

/**
 * Relays the outbox to the bus after commit: nudged after each transaction that wrote events, and
 * on a timer for rows written before a crash or by another instance. A row is marked published
 * only after the bus confirmed it; a crash in between publishes it again with the same id, which
 * consumers drop (their inbox). On PostgreSQL, instances share the work with
 * `FOR UPDATE SKIP LOCKED`, so two relays do not publish the same row at once.
 */
export class OutboxRelay {
  readonly #o: OutboxRelayOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** Events published so far, and rounds that failed (retried on the next tick). */
  readonly stats = { relayed: 0, failures: 0 };

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.nudge(), this.#o.intervalMs ?? 500);
    this.#timer.unref();
    this.nudge();
  }

  /** Relay soon (after a commit that wrote events). */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        while (!this.#stopped && (await this.relayOnce()) === (this.#o.batch ?? 100)) {
          // a full batch: there may be more
        }
      } catch (error) {
        this.stats.failures++;
        this.#o.logger.warn({ err: error }, 'Relaying the outbox failed; retrying on the next tick');
        return;
      }
    } while (this.#again && !this.#stopped);
  }

  /** One round: publishes up to `batch` unpublished rows, oldest first; returns how many. */
  async relayOnce(): Promise<number> {
    const batch = this.#o.batch ?? 100;
    const { db } = this.#o;
    if (this.#o.dialect === 'postgres') {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('outbox')
          .select(['id', 'name', 'payload'])
          .where('published_at', 'is', null)
          .orderBy('created_at')
          .limit(batch)
          .forUpdate()
          .skipLocked()
          .execute();
        await this.#publish(rows);
        if (rows.length > 0) {
          await trx
            .updateTable('outbox')
            .set({ published_at: Date.now() })
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
        }
        return rows.length;
      });
    }
    // SQLite: one process owns the file; no transaction is held while publishing.
    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'name', 'payload'])
      .where('published_at', 'is', null)
      .orderBy('created_at')
      .limit(batch)
      .execute();
    await this.#publish(rows);
    if (rows.length > 0) {
      await db
        .updateTable('outbox')
        .set({ published_at: Date.now() })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    }
    return rows.length;
  }

  async #publish(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const authorization = await this.#o.authorization?.();
    const metadata = authorization === undefined ? undefined : { authorization };
    await Promise.all(rows.map((row) => this.#o.publisher.emit(row.name, JSON.parse(row.payload), { id: row.id, metadata })));
    this.stats.relayed += rows.length;
  }

  /** Rows not published yet. */
  async pending(): Promise<number> {
    const row = await this.#o.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('published_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Stops the timer and waits for a round in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#running;
  }
}
