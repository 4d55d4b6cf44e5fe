import { randomUUID } from 'node:crypto';

/** A signed-in shopper with an address, ready to order. */
export interface Shopper {
  readonly token: string;
  readonly addressId: string;
}

/** One order as the load generator placed it. */
export interface Placed {
  readonly id: string;
  /** From the first attempt to the 201. */
  readonly ms: number;
  readonly attempts: number;
}

export interface LoadOptions {
  /** Gateway origins, used in turn (a retry goes to the next one). */
  readonly gateways: readonly string[];
  readonly shoppers: readonly Shopper[];
  readonly count: number;
  /** Orders in flight at once; default all of them. */
  readonly concurrency?: number;
  /** The lines of order `i`. */
  readonly lines: (i: number) => { productId: string; quantity: number }[];
  /** Give up on one order after this long; default 90 000 ms. */
  readonly deadlineMs?: number;
  /** Called after each order is placed, with how many are. */
  readonly onPlaced?: (n: number) => void;
}

const RETRIABLE = new Set([429, 502, 503, 504]);

/**
 * Places `count` orders through the gateways, `concurrency` at a time, as a careful client does: a
 * refused or lost request (429, 502–504, a reset connection) is sent again with the same
 * `requestId`, so a retry never makes a second order. Bounded: every order gives up at its
 * deadline, and the run ends by itself.
 */
export async function placeMany(options: LoadOptions): Promise<{ placed: Placed[]; failed: string[] }> {
  const placed: Placed[] = [];
  const failed: string[] = [];
  let next = 0;
  const deadlineMs = options.deadlineMs ?? 90_000;
  async function one(i: number): Promise<void> {
    const who = options.shoppers[i % options.shoppers.length] as Shopper;
    const body = JSON.stringify({ requestId: randomUUID(), addressId: who.addressId, lines: options.lines(i) });
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const gateway = options.gateways[(i + attempt) % options.gateways.length];
      let status = 0;
      let text = '';
      try {
        const response = await fetch(`${gateway}/v1/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        text = (error as Error).message;
      }
      if (status === 201) {
        placed.push({ id: (JSON.parse(text) as { id: string }).id, ms: performance.now() - started, attempts: attempt });
        options.onPlaced?.(placed.length);
        return;
      }
      if ((status !== 0 && !RETRIABLE.has(status)) || performance.now() - started > deadlineMs) {
        failed.push(`order ${i}: HTTP ${status} ${text.slice(0, 300)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)) * Math.random() + 50));
    }
  }
  const workers = Array.from({ length: Math.min(options.concurrency ?? options.count, options.count) }, async () => {
    while (next < options.count) await one(next++);
  });
  await Promise.all(workers);
  return { placed, failed };
}

/** The q-quantile of `values` (0 ≤ q ≤ 1). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
