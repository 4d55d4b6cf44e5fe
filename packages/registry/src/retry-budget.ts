/** How many retries a client may send, as a share of its calls. */
export interface RetryBudgetOptions {
  /** Retries allowed per call made, over the window; default 0.1 (10 %). */
  readonly ratio?: number;
  /**
   * Retries always allowed per window, for clients that call rarely; default 10. With none, the
   * ratio alone allows no retry before the tenth call of a window: a quiet client's calls to a
   * killed instance would fail although another instance is up.
   */
  readonly minPerWindow?: number;
  /** The sliding window, in ms (ten buckets); default 10 000. */
  readonly windowMs?: number;
}

const BUCKETS = 10;
// The clock is read once per CLOCK_EVERY calls (~80 ns a reading here, half the retry
// middleware's cost per call), and before every retry is weighed. A call counts at once, in the
// bucket current at the last reading: one made up to CLOCK_EVERY - 1 calls later than that
// reading counts in an older bucket than its own, so it may leave the window early (a retry fewer
// allowed), never late.
const CLOCK_EVERY = 16;

/**
 * A retry budget: over a sliding window, retries stay under `ratio` × calls (+ `minPerWindow`),
 * so when a dependency fails outright it sees at most (1 + ratio) times the load, not
 * `maxAttempts` times.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #min: number;
  readonly #bucketMs: number;
  readonly #calls = new Float64Array(BUCKETS);
  readonly #retries = new Float64Array(BUCKETS);
  #bucket = 0;
  #bucketStart = 0;
  #sinceReading = 0;

  constructor(options: RetryBudgetOptions = {}) {
    this.#ratio = options.ratio ?? 0.1;
    this.#min = options.minPerWindow ?? 10;
    this.#bucketMs = (options.windowMs ?? 10_000) / BUCKETS;
  }

  #advance(now: number): void {
    if (now - this.#bucketStart < this.#bucketMs) return;
    const steps = Math.min(BUCKETS, Math.floor((now - this.#bucketStart) / this.#bucketMs));
    for (let k = 0; k < steps; k++) {
      this.#bucket = (this.#bucket + 1) % BUCKETS;
      this.#calls[this.#bucket] = 0;
      this.#retries[this.#bucket] = 0;
    }
    this.#bucketStart = now - ((now - this.#bucketStart) % this.#bucketMs);
  }

  /** Counts a call (not a retry). */
  recordCall(): void {
    if (this.#sinceReading++ === 0) this.#advance(Date.now());
    else if (this.#sinceReading === CLOCK_EVERY) this.#sinceReading = 0;
    this.#calls[this.#bucket] = (this.#calls[this.#bucket] ?? 0) + 1;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryRetry(): boolean {
    this.#advance(Date.now());
    let calls = 0;
    let retries = 0;
    for (let k = 0; k < BUCKETS; k++) {
      calls += this.#calls[k] as number;
      retries += this.#retries[k] as number;
    }
    if (retries + 1 > calls * this.#ratio + this.#min) return false;
    this.#retries[this.#bucket] = (this.#retries[this.#bucket] ?? 0) + 1;
    return true;
  }
}
