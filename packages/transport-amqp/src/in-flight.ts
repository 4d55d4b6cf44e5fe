/** Counts messages being handled, for a graceful stop that waits for them. */
export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  start(): void {
    this.#count++;
  }

  done(): void {
    this.#count--;
    if (this.#count > 0 || this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when nothing is in flight, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    if (this.#count === 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}
