/**
 * Counts work in progress — requests being handled, messages being published, calls awaiting
 * replies — and lets whoever closes wait until none is left, or until the drain time is over.
 * Every transport's graceful `close` is built on it.
 */
export class IdleGate {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** How much work is in progress. */
  get count(): number {
    return this.#count;
  }

  /** One more piece of work has started. */
  enter(): void {
    this.#count++;
  }

  /** One piece of work is done; at zero, every `idle()` waiter resolves. */
  leave(): void {
    if (this.#count === 0) return;
    this.#count--;
    if (this.#count > 0 || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Counts `work` until it settles, and returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.enter();
    work.then(
      () => this.leave(),
      () => this.leave(),
    );
    return work;
  }

  /** Resolves when nothing is in progress, or as soon as `signal` aborts (the drain time is over). */
  idle(signal?: AbortSignal): Promise<void> {
    if (this.#count === 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', wake);
        const at = this.#waiters.indexOf(wake);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve();
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}

/** The longest delay Node's timers take as given: a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
