// Two orders instances advancing one order at once (the sweeper of one resumes an order the other
// is still moving): whatever interleaving, the order ends CONFIRMED with its charge standing or
// CANCELLED with none. CI once had an instance that read RESERVED after the saga's timeout
// compensate from that stale read while the other confirmed the order: a confirmed order, refunded.
import type { Caller, Logger } from '@wharf/core';
import { payments, stock } from '@wharf/shop-contracts';
import { ConcurrencyConflict, type OrderEvent, OrderSaga, type OrderStore, replay } from '@wharf/shop-orders';
import { describe, expect, it } from 'vitest';

/** The event store's contract (load, and append at an expected version), in memory. */
function memoryStore(events: OrderEvent[]): OrderStore {
  const store = {
    async load(id: string) {
      return replay(id, events);
    },
    async append(id: string, expected: number, next: readonly OrderEvent[]) {
      if (events.length !== expected) throw new ConcurrencyConflict(`order ${id} is at ${events.length}, not ${expected}`);
      events.push(...next);
      return replay(id, events);
    },
  };
  return store as unknown as OrderStore;
}

/** A gate a fake command waits at until the test opens it. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Catalog and payments as their services behave (idempotent per order, tombstones), with gates. */
function fakeParts(gates: { charge?: Promise<void>; release?: Promise<void> }) {
  const parts = { reservation: 'held' as 'held' | 'committed' | 'released', charge: 'none' as string };
  const caller = {
    async call(ref: unknown) {
      if (ref === payments.methods.charge) {
        await gates.charge;
        if (parts.charge === 'none') parts.charge = 'captured';
        return { status: parts.charge === 'captured' ? 'captured' : 'voided', paymentId: 'p1', reason: '' };
      }
      if (ref === payments.methods.void) {
        parts.charge = parts.charge === 'captured' ? 'refunded' : parts.charge === 'none' ? 'voided' : parts.charge;
        return { status: parts.charge === 'refunded' ? 'refunded' : 'voided' };
      }
      if (ref === stock.methods.commit) {
        if (parts.reservation === 'held') parts.reservation = 'committed';
        return { status: parts.reservation === 'committed' ? 'committed' : 'expired' };
      }
      if (ref === stock.methods.release) {
        await gates.release;
        if (parts.reservation === 'held') parts.reservation = 'released';
        return { status: parts.reservation === 'committed' ? 'committed' : 'released' };
      }
      throw new Error(`unexpected call ${String(ref)}`);
    },
  } as unknown as Caller;
  return { parts, caller };
}

const silent = { warn() {} } as unknown as Logger;
const times = (timeoutMs: number) => ({ timeoutMs, reservationTtlMs: 60_000, stepTimeoutMs: 5_000 });

describe('two instances advance one order at once', () => {
  it('one past the timeout while the other is paying: confirmed and charged, or cancelled and not charged', async () => {
    const events: OrderEvent[] = [
      { type: 'OrderPlaced', customer: 'c', requestId: 'r', lines: [], total: 100, shipTo: 'x', at: Date.now() - 1_000 },
      { type: 'StockReserved', expiresAt: Date.now() + 60_000, at: Date.now() },
    ];
    const store = memoryStore(events);
    const charge = gate();
    const release = gate();
    const { parts, caller } = fakeParts({ charge: charge.wait, release: release.wait });
    const onTime = new OrderSaga(store, () => caller, times(30_000), silent);
    const late = new OrderSaga(store, () => caller, times(500), silent); // its clock says the order is overdue

    const paying = onTime.advance('o1'); // waits in the charge
    const cancelling = late.advance('o1'); // reads RESERVED, past its timeout
    await new Promise((resolve) => setTimeout(resolve, 20));
    charge.open(); // the payment lands
    await new Promise((resolve) => setTimeout(resolve, 20));
    release.open(); // then the late instance's compensation runs
    await Promise.all([paying, cancelling]);

    const final = replay('o1', events);
    const outcome = { status: final?.status, charge: parts.charge, reservation: parts.reservation };
    expect([
      { status: 'CONFIRMED', charge: 'captured', reservation: 'committed' },
      { status: 'CANCELLED', charge: 'refunded', reservation: 'released' },
    ]).toContainEqual(outcome);
  });
});
