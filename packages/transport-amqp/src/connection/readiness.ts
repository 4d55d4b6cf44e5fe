import type { TransportHost } from '@wharf/core/transport';

/**
 * The transport is ready when every declared consumer is attached. A consumer the broker
 * cancelled, or one lost with its connection, makes the app not ready until it is back: a
 * reconnect that leaves a service deaf must show on the readiness probe.
 */
export class Readiness {
  readonly #host: TransportHost;
  readonly #detached = new Set<string>();
  #reported: boolean | undefined;

  constructor(host: TransportHost, consumers: readonly string[]) {
    this.#host = host;
    for (const consumer of consumers) this.#detached.add(consumer);
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
      this.#host.setReady(false, `AMQP consumers not attached: ${shown}`);
    }
  }
}
