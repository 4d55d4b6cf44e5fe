import type { Logger } from 'pino';
import type { Registry, ServiceInstance } from './registry.js';

/**
 * Keeps an app's instances in the registry exactly while the app is ready: registered when it
 * turns ready, withdrawn when it turns not ready (a transport lost its broker, the app started
 * draining). Changes are applied one at a time, in order, so a quick ready → not ready → ready
 * never leaves a stale registration behind. A registry error is logged, not thrown: the backend
 * retries on its own, and an instance that cannot advertise still serves callers that know it.
 */
export class Advertiser {
  readonly #registry: Registry;
  readonly #logger: Logger;
  readonly #instances: () => readonly ServiceInstance[];
  readonly #registered = new Set<string>();
  #wanted = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(registry: Registry, logger: Logger, instances: () => readonly ServiceInstance[]) {
    this.#registry = registry;
    this.#logger = logger;
    this.#instances = instances;
  }

  /** Advertise (`true`) or withdraw (`false`); resolves once this and every earlier change is applied. */
  set(advertised: boolean): Promise<void> {
    this.#wanted = advertised;
    this.#chain = this.#chain.then(() => this.#apply());
    return this.#chain;
  }

  async #apply(): Promise<void> {
    if (this.#wanted) {
      for (const instance of this.#instances()) {
        if (this.#registered.has(instance.id)) continue;
        try {
          await this.#registry.register(instance);
          this.#registered.add(instance.id);
        } catch (error) {
          this.#logger.warn(
            { err: error, id: instance.id },
            'Registration failed; callers that know this address still reach it',
          );
        }
      }
      return;
    }
    await Promise.all(
      [...this.#registered].map(async (id) => {
        try {
          await this.#registry.deregister(id);
        } catch (error) {
          this.#logger.warn({ err: error, id }, 'Deregistration failed');
        }
        this.#registered.delete(id);
      }),
    );
  }
}
