import type { Logger, Registry, RegistryStatus, ServiceInstance } from '@wharf/core';
import type { RegistryBackend, RouteRule, RuleStore, WatchSink } from './backend.js';

/** What `createRegistry` takes besides the backend. */
export interface RegistryOptions {
  /** Where routing rules live (blue-green, canary, drained instances); none by default. */
  readonly rules?: RuleStore;
  /** Logs when the backend becomes unreachable and when it is back. */
  readonly logger?: Logger;
  /**
   * After the backend was unreachable, an empty answer for a service that had instances is held
   * back this long (default 10 000 ms) while the instances register again — a restarted Eureka
   * or a restored etcd is reachable before it is full. A non-empty answer applies at once.
   */
  readonly recoveryGraceMs?: number;
  /**
   * The first lookup of a service waits for the backend's first answer, at most this long (default
   * 2 000 ms); every later lookup answers from the cache at once.
   */
  readonly firstLookupMs?: number;
}

/** A core `Registry` backed by a watched local cache, plus routing rules. */
export interface WharfRegistry extends Registry {
  readonly backend: RegistryBackend;
  readonly rules: RuleStore | undefined;
  /** The routing rule of `service` from the watched cache (undefined: no rule, every release). */
  routeRule(service: string): RouteRule | undefined;
  status(): RegistryStatus;
  /** Stops the watches and closes the backend (its registrations are withdrawn). */
  close(): Promise<void>;
}

const EMPTY: readonly ServiceInstance[] = Object.freeze([]);

interface Entry {
  instances: readonly ServiceInstance[];
  /** An empty answer held back while the backend recovers. */
  held: NodeJS.Timeout | undefined;
  loaded: boolean;
  readonly first: Promise<readonly ServiceInstance[]>;
  readonly listeners: Set<(instances: readonly ServiceInstance[]) => void>;
  readonly stop: () => void;
}

/**
 * Wraps a backend in the cache every client uses: a watch per service keeps a local copy, a
 * lookup answers from it (the same array until the set changes), and when the backend is
 * unreachable the last known instances stay in use — logged, and shown in readiness details.
 */
export function createRegistry(backend: RegistryBackend, options: RegistryOptions = {}): WharfRegistry {
  const entries = new Map<string, Entry>();
  const rules = new Map<string, { rule: RouteRule | undefined; stop: () => void }>();
  const waitMs = options.firstLookupMs ?? 2_000;
  const graceMs = options.recoveryGraceMs ?? 10_000;
  let problem: Error | undefined;
  let recoveredAt = Number.NEGATIVE_INFINITY;

  const setReachable = (error: Error | undefined): void => {
    if (error === undefined && problem !== undefined) {
      recoveredAt = Date.now();
      options.logger?.info({ backend: backend.name }, 'Registry reachable again');
    }
    if (error !== undefined && problem === undefined) {
      options.logger?.warn(
        { backend: backend.name, err: error },
        'Registry unreachable; calls go on to the last known instances',
      );
    }
    problem = error;
  };

  function entry(service: string): Entry {
    const found = entries.get(service);
    if (found !== undefined) return found;
    let settle: (instances: readonly ServiceInstance[]) => void = () => {};
    const first = new Promise<readonly ServiceInstance[]>((resolve) => {
      settle = resolve;
    });
    const timer = setTimeout(() => settle(EMPTY), waitMs);
    timer.unref?.();
    const sink: WatchSink = {
      update(instances) {
        setReachable(undefined);
        const current = created.instances;
        const sinceRecovery = Date.now() - recoveredAt;
        clearTimeout(created.held);
        created.held = undefined;
        if (instances.length === 0 && current.length > 0 && sinceRecovery < graceMs) {
          created.held = setTimeout(() => sink.update(instances), graceMs - sinceRecovery);
          created.held.unref?.();
          return;
        }
        if (!created.loaded || !sameInstances(current, instances)) {
          created.instances = instances.length === 0 ? EMPTY : Object.freeze([...instances]);
          for (const listener of created.listeners) listener(created.instances);
        }
        created.loaded = true;
        clearTimeout(timer);
        settle(created.instances);
      },
      down(error) {
        setReachable(error);
      },
    };
    const created: Entry = { instances: EMPTY, held: undefined, loaded: false, first, listeners: new Set(), stop: () => {} };
    entries.set(service, created);
    (created as { stop: () => void }).stop = backend.watch(service, sink);
    return created;
  }

  return {
    backend,
    rules: options.rules,
    register: (instance) => backend.register(instance),
    deregister: (id) => backend.deregister(id),
    lookup(service) {
      const found = entry(service);
      return found.loaded ? found.instances : found.first;
    },
    watch(service, listener) {
      const found = entry(service);
      found.listeners.add(listener);
      return () => found.listeners.delete(listener);
    },
    routeRule(service) {
      const store = options.rules;
      if (store === undefined) return undefined;
      let found = rules.get(service);
      if (found === undefined) {
        const created: { rule: RouteRule | undefined; stop: () => void } = { rule: undefined, stop: () => {} };
        rules.set(service, created);
        created.stop = store.watch(service, (rule) => {
          created.rule = rule;
        });
        found = created;
      }
      return found.rule;
    },
    status() {
      return problem === undefined
        ? { backend: backend.name, reachable: true }
        : { backend: backend.name, reachable: false, detail: `${problem.message}; serving the last known instances` };
    },
    async close() {
      for (const found of entries.values()) {
        found.stop();
        clearTimeout(found.held);
      }
      for (const found of rules.values()) found.stop();
      entries.clear();
      rules.clear();
      await backend.close();
      await options.rules?.close?.();
    },
  };
}

/** True when both sets hold the same instances (by id, address, version and metadata). */
function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  if (a.length !== b.length) return false;
  const key = (i: ServiceInstance) => `${i.id}\u0000${i.address}\u0000${i.version}\u0000${JSON.stringify(i.metadata ?? {})}`;
  const seen = new Set(a.map(key));
  return b.every((i) => seen.has(key(i)));
}
