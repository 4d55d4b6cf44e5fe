/** One reachable instance of a service, at one address. */
export interface ServiceInstance {
  /** Unique per instance and address. */
  readonly id: string;
  readonly service: string;
  readonly version: string;
  /** Where to reach it; the URL scheme names the transport (`http://…`, `grpc://…`, `memory://…`). */
  readonly address: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Where services are found. `lookup` may answer synchronously from a local cache (the in-memory
 * registry always does), so the common path of a call costs no promise.
 */
export interface Registry {
  register(instance: ServiceInstance): Promise<void>;
  deregister(id: string): Promise<void>;
  /** The instances of `service`; the same array until the set changes, so callers can cache by identity. */
  lookup(service: string): readonly ServiceInstance[] | Promise<readonly ServiceInstance[]>;
  /** Calls `listener` whenever the instances of `service` change; returns an unsubscribe. */
  watch?(service: string, listener: (instances: readonly ServiceInstance[]) => void): () => void;
  /** How the registry is doing, for readiness details (e.g. unreachable, serving cached instances). */
  status?(): RegistryStatus;
  close?(): Promise<void>;
}

/** A registry's health as readiness details show it. */
export interface RegistryStatus {
  /** The backend, e.g. `etcd`, `eureka`, `memory`. */
  readonly backend: string;
  /** False while the backend cannot be reached; lookups then answer from the last known instances. */
  readonly reachable: boolean;
  /** What is wrong, when something is. */
  readonly detail?: string;
}

const EMPTY: readonly ServiceInstance[] = Object.freeze([]);

/**
 * An in-process registry: the default for one process and for unit tests. Share one between
 * apps to let them find each other; seed it with remote instances to call fixed addresses.
 */
export function memoryRegistry(seed: readonly ServiceInstance[] = []): Registry {
  const registry = new MemoryRegistry();
  for (const instance of seed) registry.add(instance);
  return registry;
}

// A class, not an object of closures: every app's lookups then run the same method (see Layer).
class MemoryRegistry implements Registry {
  readonly #byService = new Map<string, readonly ServiceInstance[]>();
  readonly #watchers = new Map<string, Set<(instances: readonly ServiceInstance[]) => void>>();

  #update(service: string, instances: readonly ServiceInstance[]): void {
    if (instances.length === 0) this.#byService.delete(service);
    else this.#byService.set(service, Object.freeze(instances));
    for (const listener of this.#watchers.get(service) ?? []) listener(this.#byService.get(service) ?? EMPTY);
  }

  add(instance: ServiceInstance): void {
    const current = this.#byService.get(instance.service) ?? EMPTY;
    this.#update(instance.service, [...current.filter((i) => i.id !== instance.id), Object.freeze({ ...instance })]);
  }

  async register(instance: ServiceInstance): Promise<void> {
    this.add(instance);
  }

  async deregister(id: string): Promise<void> {
    for (const [service, instances] of this.#byService) {
      if (instances.some((i) => i.id === id)) {
        this.#update(
          service,
          instances.filter((i) => i.id !== id),
        );
      }
    }
  }

  lookup(service: string): readonly ServiceInstance[] {
    return this.#byService.get(service) ?? EMPTY;
  }

  watch(service: string, listener: (instances: readonly ServiceInstance[]) => void): () => void {
    let set = this.#watchers.get(service);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(service, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}
