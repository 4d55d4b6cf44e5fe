import type { TransportHost } from './transport.js';

/**
 * A broker transport is ready when every one of its consumers is attached (joined its group,
 * consuming its queue). A consumer lost with its connection makes the app not ready until it is
 * back: a reconnect that leaves a service deaf must show on the readiness probe. Shared by the
 * event buses; `reason` words the not-ready message, e.g. `Kafka consumers not in their groups`.
 */
export class ConsumerReadiness {
  readonly #host: TransportHost;
  readonly #reason: string;
  readonly #detached: Set<string>;
  #reported: boolean | undefined;

  constructor(host: TransportHost, consumers: readonly string[], reason: string) {
    this.#host = host;
    this.#reason = reason;
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
    if (ready === this.#reported && ready) return;
    this.#reported = ready;
    if (ready) this.#host.setReady(true);
    else {
      const list = [...this.#detached];
      const shown = list.slice(0, 5).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
      this.#host.setReady(false, `${this.#reason}: ${shown}`);
    }
  }
}
