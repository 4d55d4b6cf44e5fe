import type { TransportHost } from '@wharf/core/transport';

/**
 * The transport is ready when every consumer has joined its group. A consumer whose stream
 * failed (a broker restart) makes the app not ready until it has joined again: a service that
 * cannot consume must show on the readiness probe.
 */
export class Readiness {
  readonly #host: TransportHost;
  readonly #detached: Set<string>;
  #reported: boolean | undefined;

  constructor(host: TransportHost, consumers: readonly string[]) {
    this.#host = host;
    this.#detached = new Set(consumers);
    this.#report();
  }

  attached(consumer: string): void {
    if (this.#detached.delete(consumer)) this.#report();
  }

  detached(consumer: string): void {
    if (this.#detached.has(consumer)) return;
    this.#detached.add(consumer);
    this.#report();
  }

  #report(): void {
    const ready = this.#detached.size === 0;
    if (ready === this.#reported) return;
    this.#reported = ready;
    if (ready) this.#host.setReady(true);
    else this.#host.setReady(false, `Kafka consumers not in their groups: ${[...this.#detached].slice(0, 5).join(', ')}`);
  }
}
