import type { ServiceInstance } from '@wharf/core';

/** Where a backend reports what it sees of one service. */
export interface WatchSink {
  /** The full current set of instances (the first call is the initial set). */
  update(instances: readonly ServiceInstance[]): void;
  /** The backend cannot be reached; the cache keeps the last known instances. */
  down(error: Error): void;
}

/**
 * The SPI a registry backend implements (etcd, Eureka, DNS, static — and Consul when a server can
 * be had). `createRegistry` wraps a backend in the watched local cache every client uses, so a
 * backend only talks to its server: it never serves a call's lookup itself.
 */
export interface RegistryBackend {
  /** Names it in logs and readiness details: `etcd`, `eureka`, `dns`, `static`. */
  readonly name: string;
  /** Advertises an instance and keeps it alive (lease, heartbeat) until `deregister` or `close`. */
  register(instance: ServiceInstance): Promise<void>;
  deregister(id: string): Promise<void>;
  /** Starts watching one service; returns a stop function. */
  watch(service: string, sink: WatchSink): () => void;
  /** Every instance of every service, for the command line (`wharf-registry list`). */
  list?(): Promise<readonly ServiceInstance[]>;
  /** Withdraws what it registered and releases connections. */
  close(): Promise<void>;
}

/**
 * Which releases of a service get traffic. A release is an instance's `metadata.release`, or its
 * version; a key matches it exactly or as a dotted prefix (`2` matches `2`, `2.1.0`).
 */
export interface RouteRule {
  /** Weight per release, e.g. `{ "1": 90, "2": 10 }`; releases not listed get none. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Instances to send nothing to (an app's `instance` id or a registry entry's `id`). */
  readonly drained?: readonly string[];
}

/** Where routing rules are kept and watched (etcd, or in memory). */
export interface RuleStore {
  get(service: string): Promise<RouteRule | undefined>;
  put(service: string, rule: RouteRule | undefined): Promise<void>;
  /** Calls `listener` with the current rule and on every change; returns a stop function. */
  watch(service: string, listener: (rule: RouteRule | undefined) => void): () => void;
  list(): Promise<ReadonlyMap<string, RouteRule>>;
  close?(): Promise<void>;
}
