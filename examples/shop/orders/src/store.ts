import type { OrderView } from '@wharf/shop-contracts';
import { addToOutbox, type Dialect, isUniqueViolation, type OutboxEvent } from '@wharf/shop-platform';
import { type Kysely, sql, type Transaction } from 'kysely';
import { apply, type OrderEvent, type OrderState, replay } from './events.js';
import type { OrdersDb, OrdersViewTable } from './tables.js';

/** Another writer appended to the stream first: reload and decide again. */
export class ConcurrencyConflict extends Error {}

export function toRow(state: OrderState): OrdersViewTable {
  return {
    id: state.id,
    customer: state.customer,
    status: state.status,
    lines: JSON.stringify(state.lines),
    total: state.total,
    ship_to: state.shipTo,
    reason: state.reason,
    placed_at: state.placedAt,
    updated_at: state.updatedAt,
    version: state.version,
  };
}

export function fromRow(row: OrdersViewTable): OrderState {
  return {
    id: row.id,
    customer: row.customer,
    status: row.status as OrderState['status'],
    lines: JSON.parse(row.lines),
    total: row.total,
    shipTo: row.ship_to,
    reason: row.reason,
    placedAt: row.placed_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

/** The customer's view of an order (no owner field). */
export function view(state: OrderState): OrderView {
  const { customer: _owner, ...rest } = state;
  return rest;
}

/** Bus events for domain events that others care about. */
function published(state: OrderState, event: OrderEvent): OutboxEvent | undefined {
  switch (event.type) {
    case 'OrderPlaced':
      return {
        name: 'orders.placed',
        payload: { orderId: state.id, customer: state.customer, total: state.total, lines: state.lines },
      };
    case 'OrderConfirmed':
      return { name: 'orders.confirmed', payload: { orderId: state.id, customer: state.customer, total: state.total } };
    case 'OrderCancelled':
      return { name: 'orders.cancelled', payload: { orderId: state.id, customer: state.customer, reason: state.reason } };
    default:
      return undefined;
  }
}

/**
 * The event store of orders, with its live projection and outbox: `append` writes the new events
 * (optimistic concurrency: the stream must still be at `expected`), applies them to the read-model
 * row and adds the bus events to the outbox — one local transaction — then nudges the relay.
 */
export class OrderStore {
  readonly #db: Kysely<OrdersDb>;
  readonly #outbox: { nudge(): void };
  readonly #dialect: Dialect;

  constructor(db: Kysely<OrdersDb>, outbox: { nudge(): void }, dialect: Dialect) {
    this.#db = db;
    this.#outbox = outbox;
    this.#dialect = dialect;
  }

  /** The stream of `id`, oldest first. */
  async events(id: string): Promise<OrderEvent[]> {
    const rows = await this.#db.selectFrom('order_events').select('data').where('order_id', '=', id).orderBy('version').execute();
    return rows.map((r) => JSON.parse(r.data) as OrderEvent);
  }

  /** The order as its events leave it (the source of truth, not the read model). */
  async load(id: string): Promise<OrderState | undefined> {
    return replay(id, await this.events(id));
  }

  /** The read model's row. */
  async find(id: string): Promise<OrderState | undefined> {
    const row = await this.#db.selectFrom('orders_view').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async append(
    id: string,
    expected: number,
    events: readonly OrderEvent[],
    also?: (trx: Transaction<OrdersDb>) => Promise<void>,
  ): Promise<OrderState> {
    let state: OrderState | undefined;
    try {
      state = await this.#db.transaction().execute(async (trx) => {
        // The primary key (order_id, version) is the real check: a concurrent writer's row wins.
        // The events go in before the read model is read, so a rebuild holding them back (see
        // `rebuild`) is waited for, and the row read is the one it left.
        for (const [i, event] of events.entries()) {
          await trx
            .insertInto('order_events')
            .values({ order_id: id, version: expected + i + 1, type: event.type, data: JSON.stringify(event), at: event.at })
            .execute();
        }
        const current = await trx.selectFrom('orders_view').selectAll().where('id', '=', id).executeTakeFirst();
        let next = current === undefined ? undefined : fromRow(current);
        if ((next?.version ?? 0) !== expected)
          throw new ConcurrencyConflict(`order ${id} is at ${next?.version ?? 0}, not ${expected}`);
        const outgoing: OutboxEvent[] = [];
        for (const [i, event] of events.entries()) {
          next = apply(next, event, id);
          const bus = published(next, event);
          if (bus !== undefined) outgoing.push({ ...bus, id: `${id}:${expected + i + 1}` });
        }
        if (next === undefined) throw new Error(`order ${id}: nothing to append`);
        if (current === undefined) await trx.insertInto('orders_view').values(toRow(next)).execute();
        else await trx.updateTable('orders_view').set(toRow(next)).where('id', '=', id).execute();
        await addToOutbox(trx, outgoing);
        await also?.(trx);
        return next;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConcurrencyConflict(`order ${id} changed meanwhile`);
      throw error;
    }
    this.#outbox.nudge();
    return state;
  }

  /**
   * Rebuilds the read model from the event store: every stream folded from nothing into a fresh
   * table, which then replaces the rows in one transaction. Returns what it did, and how many rows
   * differ from the live projection it replaced (0 when the live projection was right).
   */
  async rebuild(): Promise<{ orders: number; events: number; changed: number }> {
    return this.#db.transaction().execute(async (trx) => {
      // Appends wait until the rows are replaced: under READ COMMITTED an event appended after the
      // streams were read was otherwise lost from the read model, which then stayed a version behind
      // its stream and refused every later append to that order. (SQLite runs one transaction at a time.)
      if (this.#dialect === 'postgres') await sql`lock table order_events in share mode`.execute(trx);
      const rebuilt = new Map<string, OrderState>();
      let events = 0;
      let after: { order_id: string; version: number } | undefined;
      for (;;) {
        // Pages in (order_id, version) order, so a stream never straddles two folds.
        let page = trx
          .selectFrom('order_events')
          .select(['order_id', 'version', 'data'])
          .orderBy('order_id')
          .orderBy('version')
          .limit(5_000);
        if (after !== undefined) {
          const at = after;
          page = page.where((eb) =>
            eb.or([eb('order_id', '>', at.order_id), eb.and([eb('order_id', '=', at.order_id), eb('version', '>', at.version)])]),
          );
        }
        const rows = await page.execute();
        for (const row of rows)
          rebuilt.set(row.order_id, apply(rebuilt.get(row.order_id), JSON.parse(row.data) as OrderEvent, row.order_id));
        events += rows.length;
        const last = rows.at(-1);
        if (last === undefined || rows.length < 5_000) break;
        after = last;
      }
      const live = new Map((await trx.selectFrom('orders_view').selectAll().execute()).map((r) => [r.id, JSON.stringify(r)]));
      let changed = 0;
      for (const [id, state] of rebuilt) if (live.get(id) !== JSON.stringify(toRow(state))) changed++;
      changed += [...live.keys()].filter((id) => !rebuilt.has(id)).length;
      await trx.deleteFrom('orders_view').execute();
      const rows = [...rebuilt.values()].map(toRow);
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('orders_view')
          .values(rows.slice(i, i + 500))
          .execute();
      return { orders: rebuilt.size, events, changed };
    });
  }
}
