import type { Logger, ServiceInstance } from '@wharf/core';
import type { RegistryBackend, WatchSink } from '../backend.js';
import { entryOf } from '../map-entry.js';
import {
  appNameOf,
  type EurekaInstance,
  eurekaIdOf,
  fromEureka,
  hashCodeOf,
  instancesOf,
  list,
  toEureka,
} from './eureka-records.js';

/** Where the Eureka backend connects and how often it talks to the server. */
export interface EurekaOptions {
  /** The server's base, e.g. `http://127.0.0.1:8761/eureka`; default `EUREKA_URL` or that address. */
  readonly url?: string;
  /** Prefixes application names, so that namespaces do not see each other; default `wharf`. */
  readonly namespace?: string;
  /** How long the server keeps an instance without a heartbeat (default 15 s; heartbeats every third of it). */
  readonly leaseSeconds?: number;
  /** How often changes are fetched (a delta; a full fetch when the hash code disagrees); default 5 000 ms. */
  readonly fetchIntervalMs?: number;
  /** Per-request timeout; default 2 000 ms. */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Eureka through its REST API: register, heartbeat renewals (a 404 means the server forgot us,
 * so register again), a full fetch then delta fetches checked by the registry hash code, and
 * cancel on shutdown.
 */
export function eurekaBackend(options: EurekaOptions = {}): RegistryBackend {
  const base = (options.url ?? process.env.EUREKA_URL ?? 'http://127.0.0.1:8761/eureka').replace(/\/+$/, '');
  const namespace = options.namespace ?? 'wharf';
  const leaseSeconds = options.leaseSeconds ?? 15;
  const timeoutMs = options.requestTimeoutMs ?? 2_000;
  const registered = new Map<string, ServiceInstance>();
  const sinks = new Map<string, Set<WatchSink>>();
  const known = new Map<string, EurekaInstance>();
  let polling = false;
  let full = true;
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let fetcher: NodeJS.Timeout | undefined;

  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(base + path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  const pathOf = (instance: ServiceInstance) => `/apps/${appNameOf(namespace, instance.service)}/${eurekaIdOf(instance.id)}`;

  async function put(instance: ServiceInstance): Promise<void> {
    const response = await request(
      'POST',
      `/apps/${appNameOf(namespace, instance.service)}`,
      toEureka(instance, namespace, leaseSeconds),
    );
    if (!response.ok) throw new Error(`Eureka refused the registration of ${instance.id}: HTTP ${response.status}`);
  }

  let renewing = false;
  // While the server is away a round can outlast the interval: never run two at once.
  async function renewAll(): Promise<void> {
    if (renewing) return;
    renewing = true;
    try {
      await renewEach();
    } finally {
      renewing = false;
    }
  }

  async function renewEach(): Promise<void> {
    for (const instance of [...registered.values()]) {
      try {
        const response = await request('PUT', pathOf(instance));
        if (response.status === 404 && registered.has(instance.id)) await put(instance);
      } catch (error) {
        options.logger?.debug({ err: error, id: instance.id }, 'Eureka heartbeat failed; retrying at the next one');
      }
    }
  }

  function publish(): void {
    const byService = new Map<string, ServiceInstance[]>();
    for (const record of known.values()) {
      const instance = fromEureka(record);
      if (instance === undefined || appNameOf(namespace, instance.service) !== record.app) continue;
      entryOf(byService, instance.service, () => []).push(instance);
    }
    for (const [service, set] of sinks) for (const sink of set) sink.update(byService.get(service) ?? []);
  }

  async function fetchOnce(): Promise<void> {
    if (full) {
      const response = await request('GET', '/apps');
      if (!response.ok) throw new Error(`Eureka answered GET /apps with HTTP ${response.status}`);
      const { instances } = instancesOf(await response.json());
      known.clear();
      for (const instance of instances) known.set(`${instance.app}/${instance.instanceId}`, instance);
      full = false;
    } else {
      const response = await request('GET', '/apps/delta');
      if (!response.ok) throw new Error(`Eureka answered GET /apps/delta with HTTP ${response.status}`);
      const { instances, hashCode: code } = instancesOf(await response.json());
      for (const instance of instances) {
        const key = `${instance.app}/${instance.instanceId}`;
        if (instance.actionType === 'DELETED') known.delete(key);
        else known.set(key, instance);
      }
      // A delta that leaves us with another registry than the server's: fetch it whole next time.
      if (code !== '' && code !== hashCodeOf(known.values())) {
        full = true;
        return fetchOnce();
      }
    }
    publish();
  }

  async function poll(): Promise<void> {
    try {
      await fetchOnce();
    } catch (error) {
      full = true;
      for (const set of sinks.values()) for (const sink of set) sink.down(error as Error);
    }
    if (!closed && sinks.size > 0) {
      fetcher = setTimeout(() => void poll(), options.fetchIntervalMs ?? 5_000);
      fetcher.unref();
    } else polling = false;
  }

  return {
    name: 'eureka',
    async register(instance) {
      registered.set(instance.id, instance);
      if (heartbeat === undefined) {
        heartbeat = setInterval(() => void renewAll(), (leaseSeconds * 1000) / 3);
        heartbeat.unref();
      }
      await put(instance);
    },
    async deregister(id) {
      const instance = registered.get(id);
      registered.delete(id);
      if (instance === undefined) return;
      const response = await request('DELETE', pathOf(instance));
      if (!response.ok && response.status !== 404) throw new Error(`Eureka refused to cancel ${id}: HTTP ${response.status}`);
    },
    watch(service, sink) {
      const set = entryOf(sinks, service, () => new Set<WatchSink>());
      set.add(sink);
      if (!polling) {
        polling = true;
        void poll();
      } else if (!full) publish();
      return () => {
        set.delete(sink);
        if (set.size === 0) sinks.delete(service);
      };
    },
    async list() {
      const response = await request('GET', '/apps');
      if (!response.ok) throw new Error(`Eureka answered GET /apps with HTTP ${response.status}; is ${base} its /eureka URL?`);
      const { instances } = instancesOf(await response.json());
      return instances.flatMap((record) => list(fromEureka(record)));
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(fetcher);
      sinks.clear();
      await Promise.all([...registered.keys()].map((id) => this.deregister(id).catch(() => {})));
    },
  };
}
