import { isUniqueViolation } from '@wharf/shop-platform';
import type { Kysely, Transaction } from 'kysely';
import type { CatalogDb, ReservationsTable } from './tables.js';

interface Line {
  productId: string;
  quantity: number;
}

type Trx = Transaction<CatalogDb>;

/**
 * Quantities per product (two lines of one product take it together), in product id order: every
 * command locks the product rows it changes in that one order, so two commands on the same
 * products wait for each other instead of deadlocking (which PostgreSQL breaks by failing one).
 */
function merged(lines: readonly Line[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of lines) totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  return new Map([...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function restore(trx: Trx, lines: readonly Line[]): Promise<void> {
  for (const [id, quantity] of merged(lines)) {
    await trx
      .updateTable('products')
      .set((eb) => ({ available: eb('available', '+', quantity) }))
      .where('id', '=', id)
      .execute();
  }
}

/** A reservation that could not be made, recorded so that a repeat of the command answers the same. */
class Rejected extends Error {}

/**
 * Stock, held per order. Every command is idempotent by order id and leaves a row: a repeated
 * command answers from it, and a command arriving after its order was released finds the
 * tombstone instead of taking stock again. Conditional updates (`available >= n`, `status =
 * 'held'`) keep two catalog instances from both applying one change.
 */
export class Stock {
  readonly #db: Kysely<CatalogDb>;

  constructor(db: Kysely<CatalogDb>) {
    this.#db = db;
  }

  async #existing(orderId: string): Promise<ReservationsTable | undefined> {
    return this.#db.selectFrom('reservations').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  }

  async reserve(orderId: string, lines: readonly Line[], ttlMs: number) {
    const answer = (r: ReservationsTable) =>
      r.status === 'released'
        ? { status: 'rejected' as const, reason: r.reason, expiresAt: r.expires_at }
        : { status: 'reserved' as const, reason: '', expiresAt: r.expires_at };
    const found = await this.#existing(orderId);
    if (found !== undefined) return answer(found);
    const now = Date.now();
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const [id, quantity] of merged(lines)) {
          const taken = await trx
            .updateTable('products')
            .set((eb) => ({ available: eb('available', '-', quantity) }))
            .where('id', '=', id)
            .where('available', '>=', quantity)
            .executeTakeFirst();
          if (Number(taken.numUpdatedRows) === 0) throw new Rejected(`not enough ${id} in stock`);
        }
        await trx
          .insertInto('reservations')
          .values({
            order_id: orderId,
            lines: JSON.stringify(lines),
            status: 'held',
            reason: '',
            expires_at: now + ttlMs,
            updated_at: now,
          })
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) return answer((await this.#existing(orderId)) as ReservationsTable); // a concurrent repeat won
      if (!(error instanceof Rejected)) throw error;
      await this.#tombstone(orderId, lines, error.message);
    }
    return answer((await this.#existing(orderId)) as ReservationsTable);
  }

  async #tombstone(orderId: string, lines: readonly Line[], reason: string): Promise<void> {
    const now = Date.now();
    await this.#db
      .insertInto('reservations')
      .values({ order_id: orderId, lines: JSON.stringify(lines), status: 'released', reason, expires_at: now, updated_at: now })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
  }

  /** Makes a held reservation permanent: the units are sold. Past its expiry it is released instead. */
  async commit(orderId: string): Promise<{ status: 'committed' | 'expired' | 'missing' }> {
    const found = await this.#existing(orderId);
    if (found === undefined) {
      await this.#tombstone(orderId, [], 'committed before it was reserved');
      return { status: 'missing' as const };
    }
    if (found.status === 'committed') return { status: 'committed' as const };
    if (found.status === 'released') return { status: 'expired' as const };
    if (found.expires_at <= Date.now()) {
      await this.#release(orderId, 'expired');
      return this.commit(orderId);
    }
    const done = await this.#db
      .updateTable('reservations')
      .set({ status: 'committed', updated_at: Date.now() })
      .where('order_id', '=', orderId)
      .where('status', '=', 'held')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) return this.commit(orderId); // released meanwhile: answer from the row
    return { status: 'committed' as const };
  }

  /** Gives a held reservation's units back; leaves a tombstone when there was none. */
  async release(orderId: string): Promise<{ status: 'released' | 'committed' }> {
    const found = await this.#existing(orderId);
    if (found === undefined) {
      await this.#tombstone(orderId, [], 'released before it was reserved');
      return this.release(orderId);
    }
    if (found.status === 'committed') return { status: 'committed' as const };
    if (found.status === 'held') await this.#release(orderId, 'released by the order saga');
    return { status: 'released' as const };
  }

  /** held → released and the units back, once: the status check makes a second attempt a no-op. */
  async #release(orderId: string, reason: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('reservations').selectAll().where('order_id', '=', orderId).executeTakeFirst();
      const changed = await trx
        .updateTable('reservations')
        .set({ status: 'released', reason, updated_at: Date.now() })
        .where('order_id', '=', orderId)
        .where('status', '=', 'held')
        .executeTakeFirst();
      if (row === undefined || Number(changed.numUpdatedRows) === 0) return false;
      await restore(trx, JSON.parse(row.lines) as Line[]);
      return true;
    });
  }

  /** Releases held reservations past their expiry; returns how many. */
  async expire(now = Date.now()): Promise<number> {
    const due = await this.#db
      .selectFrom('reservations')
      .select('order_id')
      .where('status', '=', 'held')
      .where('expires_at', '<=', now)
      .limit(100)
      .execute();
    let released = 0;
    for (const { order_id } of due) if (await this.#release(order_id, 'expired')) released++;
    return released;
  }
}
