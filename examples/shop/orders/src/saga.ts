import { type Caller, type Logger, WharfError } from '@wharf/core';
import { payments, stock, TERMINAL } from '@wharf/shop-contracts';
import { sleep } from '@wharf/shop-platform';
import type { OrderEvent, OrderState } from './events.js';
import { ConcurrencyConflict, type OrderStore } from './store.js';

/** The saga's clock: see docs/shop.md, "The order saga". */
export interface SagaTimes {
  /** An order not paid by then is cancelled (its stock released, any charge voided); default 30 000 ms. */
  readonly timeoutMs: number;
  /** How long catalog holds the stock; longer than `timeoutMs`, so a saga on time never loses it; default 60 000 ms. */
  readonly reservationTtlMs: number;
  /** Each command's deadline; default 5 000 ms. */
  readonly stepTimeoutMs: number;
}

const TRANSIENT = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
  'UNKNOWN',
  'ABORTED',
  'CANCELLED',
]);

/**
 * The order saga, orchestrated by the order's own stream: each step reads the stream, sends one
 * idempotent command (keyed by the order id) and appends what came of it with the version it read.
 * A crash, a timeout or a second instance doing the same step at once therefore never does
 * anything twice: the command answers as before, and the second append loses on the version.
 *
 *   PLACED ──reserve──▶ RESERVED ──charge──▶ PAID ──commit──▶ CONFIRMED
 *     │ rejected / timeout │ failed / timeout    │ reservation expired
 *     ▼                    ▼                     ▼
 *   CANCELLING ──release stock, void payment──▶ CANCELLED
 */
export class OrderSaga {
  readonly #store: OrderStore;
  readonly #caller: () => Caller;
  readonly #times: SagaTimes;
  readonly #logger: Logger;
  /** One advance per order at a time in this process. */
  readonly #running = new Map<string, Promise<void>>();

  constructor(store: OrderStore, caller: () => Caller, times: SagaTimes, logger: Logger) {
    this.#store = store;
    this.#caller = caller;
    this.#times = times;
    this.#logger = logger;
  }

  /** Moves the order on until it is finished or waits on something; never throws. */
  advance(id: string): Promise<void> {
    const running = this.#running.get(id);
    if (running !== undefined) return running;
    const run = this.#advance(id)
      .catch((error: unknown) => this.#logger.warn({ err: error, orderId: id }, 'The order saga stopped; the sweeper resumes it'))
      .finally(() => this.#running.delete(id));
    this.#running.set(id, run);
    return run;
  }

  /** Waits for every advance in progress in this process. */
  async settled(): Promise<void> {
    await Promise.all(this.#running.values());
  }

  async #advance(id: string): Promise<void> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const state = await this.#store.load(id);
      if (state === undefined || TERMINAL.includes(state.status)) return;
      let events: OrderEvent[];
      try {
        events = await this.#step(state);
      } catch (error) {
        if (!WharfError.is(error) || !TRANSIENT.has(error.code)) throw error;
        // The command may or may not have run: it is idempotent, so ask again after a pause.
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
        continue;
      }
      try {
        await this.#store.append(id, state.version, events);
      } catch (error) {
        if (!(error instanceof ConcurrencyConflict)) throw error;
      }
    }
  }

  #call() {
    return { timeoutMs: this.#times.stepTimeoutMs };
  }

  /** The next step for `state`: the command it needs, and the events its answer means. */
  async #step(state: OrderState): Promise<OrderEvent[]> {
    const caller = this.#caller();
    const at = () => Date.now();
    if (state.status === 'CANCELLING') {
      // Compensate: give the stock back and make sure nothing is (or stays) charged. Both leave a
      // tombstone, so a reserve or charge still on its way is refused when it lands.
      await caller.call(stock.methods.release, { orderId: state.id }, this.#call());
      await caller.call(payments.methods.void, { key: state.id }, this.#call());
      return [{ type: 'OrderCancelled', reason: state.reason, at: at() }];
    }
    if ((state.status === 'PLACED' || state.status === 'RESERVED') && Date.now() > state.placedAt + this.#times.timeoutMs) {
      // Decide first, act after: the cancel is appended with the version read, so it loses to a
      // payment another instance recorded meanwhile; compensating straight from this read could
      // refund an order that instance has since confirmed.
      return [{ type: 'CancelRequested', reason: `not paid within ${this.#times.timeoutMs} ms`, at: at() }];
    }
    switch (state.status) {
      case 'PLACED': {
        const lines = state.lines.map(({ productId, quantity }) => ({ productId, quantity }));
        const held = await caller.call(
          stock.methods.reserve,
          { orderId: state.id, lines, ttlMs: this.#times.reservationTtlMs },
          this.#call(),
        );
        return held.status === 'reserved'
          ? [{ type: 'StockReserved', expiresAt: held.expiresAt, at: at() }]
          : [{ type: 'StockRejected', reason: held.reason, at: at() }];
      }
      case 'RESERVED': {
        const charge = { key: state.id, orderId: state.id, customer: state.customer, amount: state.total };
        const paid = await caller.call(payments.methods.charge, charge, this.#call());
        return paid.status === 'captured'
          ? [{ type: 'PaymentCaptured', paymentId: paid.paymentId, at: at() }]
          : [{ type: 'PaymentFailed', reason: `payment ${paid.status}: ${paid.reason}`, at: at() }];
      }
      case 'PAID': {
        const sold = await caller.call(stock.methods.commit, { orderId: state.id }, this.#call());
        if (sold.status === 'committed') return [{ type: 'OrderConfirmed', at: at() }];
        await caller.call(payments.methods.void, { key: state.id }, this.#call());
        return [{ type: 'OrderCancelled', reason: `stock reservation ${sold.status}; payment refunded`, at: at() }];
      }
      default:
        return [];
    }
  }
}
