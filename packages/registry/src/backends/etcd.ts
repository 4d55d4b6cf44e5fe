import type { Logger, ServiceInstance } from '@wharf/core';
import { ConsecutiveBreaker, circuitBreaker, ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type Lease, type Watcher } from 'etcd3';
import type { RegistryBackend, RouteRule, RuleStore } from '../backend.js';
import { parseInstance, parseRule } from './records.js';

/** Where the etcd backend connects and how it keeps its registrations. */
export interface EtcdOptions {
  /** `http://127.0.0.1:2379` or several, comma-separated; default `ETCD_URL` or that address. */
  readonly hosts?: string | readonly string[];
  /** Key prefix, one per namespace: `/wharf/<namespace>/`; default namespace `default`. */
  readonly namespace?: string;
  /** Lease time-to-live in seconds (default 10): how long a killed instance stays listed at most. */
  readonly leaseTtlSeconds?: number;
  readonly logger?: Logger;
  /** An existing client to share (it is not closed by `close`). */
  readonly client?: Etcd3;
}

/** The etcd client every etcd backend and rule store here makes: short dials, quick watch reconnects. */
export function etcdClient(hosts: string | readonly string[] | undefined): Etcd3 {
  const list = hosts ?? process.env.ETCD_URL ?? 'http://127.0.0.1:2379';
  return new Etcd3({
    hosts: typeof list === 'string' ? list.split(',') : [...list],
    dialTimeout: 2_000,
    // etcd3's defaults wait up to 30 s to re-open a watch after an outage; registry changes must
    // reach clients within a couple of seconds of etcd coming back.
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 2 }),
      // etcd3 calls `.next()` on it first, so it takes the factory although its type says otherwise.
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }) as never,
    },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 3_000 }),
  });
}

const prefixOf = (namespace: string | undefined) => `/wharf/${namespace ?? 'default'}/`;

/**
 * Registers instances under `<prefix>instances/<service>/<id>` on one lease kept alive by the
 * client; a lost lease (etcd was away longer than the TTL) is granted again and every instance
 * put back. Watches push each change; a reconnected watch re-reads the whole set.
 */
export function etcdBackend(options: EtcdOptions = {}): RegistryBackend {
  const client = options.client ?? etcdClient(options.hosts);
  const prefix = prefixOf(options.namespace);
  const ttl = options.leaseTtlSeconds ?? 10;
  const registered = new Map<string, ServiceInstance>();
  const keyOf = (instance: ServiceInstance) => `${prefix}instances/${instance.service}/${instance.id}`;
  let lease: Lease | undefined;
  let closed = false;

  function newLease(): Lease {
    const created = client.lease(ttl);
    created.on('lost', (error) => {
      if (closed || lease !== created) return;
      options.logger?.warn({ err: error }, 'etcd lease lost; registering again on a new lease');
      lease = undefined;
      void putAll();
    });
    return created;
  }

  let putting: Promise<void> | undefined;
  // One re-registration at a time: a lost lease and a failed put may both ask for one.
  function putAll(): Promise<void> {
    putting ??= putAllOnce().finally(() => {
      putting = undefined;
    });
    return putting;
  }

  async function putAllOnce(): Promise<void> {
    for (let attempt = 0; !closed; attempt++) {
      try {
        lease ??= newLease();
        const current = lease;
        for (const instance of registered.values()) await current.put(keyOf(instance)).value(JSON.stringify(instance));
        return;
      } catch (error) {
        lease = undefined;
        if (attempt === 0) options.logger?.warn({ err: error }, 'etcd unreachable; retrying registration');
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
      }
    }
  }

  return {
    name: 'etcd',
    async register(instance) {
      registered.set(instance.id, instance);
      lease ??= newLease();
      try {
        await lease.put(keyOf(instance)).value(JSON.stringify(instance));
      } catch (error) {
        void putAll();
        throw error;
      }
    },
    async deregister(id) {
      const instance = registered.get(id);
      registered.delete(id);
      if (instance !== undefined) await client.delete().key(keyOf(instance));
    },
    watch(service, sink) {
      return watchPrefix(client, `${prefix}instances/${service}/`, sink, parseInstance);
    },
    async list() {
      const all = await client.getAll().prefix(`${prefix}instances/`).strings();
      return Object.values(all).flatMap((value) => parseInstance(value) ?? []);
    },
    async close() {
      closed = true;
      const current = lease;
      lease = undefined;
      registered.clear();
      // Revoking the lease removes every key on it at once.
      await current?.revoke().catch(() => {});
      if (options.client === undefined) client.close();
    },
  };
}

/** Watches every key under `prefix`, reporting the full set of parsed values on each change. */
function watchPrefix<T>(
  client: Etcd3,
  prefix: string,
  sink: { update(values: T[]): void; down(error: Error): void },
  parse: (value: string) => T | undefined,
  accept: (key: string) => boolean = () => true,
): () => void {
  const values = new Map<string, T>();
  let watcher: Watcher | undefined;
  let stopped = false;
  // One update per batch: registering 1 000 instances is 1 000 watch events, not 1 000 updates.
  let scheduled = false;
  const publish = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) sink.update([...values.values()]);
    });
  };

  async function load(): Promise<void> {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        const all = await client.getAll().prefix(prefix).strings();
        values.clear();
        for (const [key, value] of Object.entries(all)) {
          if (!accept(key)) continue;
          const parsed = parse(value);
          if (parsed !== undefined) values.set(key, parsed);
        }
        publish();
        return;
      } catch (error) {
        sink.down(error as Error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
      }
    }
  }

  void (async () => {
    await load();
    if (stopped) return;
    const created = await client.watch().prefix(prefix).create();
    if (stopped) {
      await created.cancel();
      return;
    }
    watcher = created;
    created.on('put', (kv) => {
      if (!accept(kv.key.toString())) return;
      const parsed = parse(kv.value.toString());
      if (parsed === undefined) values.delete(kv.key.toString());
      else values.set(kv.key.toString(), parsed);
      publish();
    });
    created.on('delete', (kv) => {
      if (values.delete(kv.key.toString())) publish();
    });
    created.on('disconnected', (error) => sink.down(error));
    // A watch that was away may have missed a compacted history: read the whole set again.
    created.on('connected', () => void load());
    created.on('error', (error) => sink.down(error));
  })().catch((error: unknown) => sink.down(error as Error));

  return () => {
    stopped = true;
    void watcher?.cancel().catch(() => {});
  };
}

/** Routing rules under `<prefix>rules/<service>`, watched by every client. */
export function etcdRules(options: Pick<EtcdOptions, 'hosts' | 'namespace' | 'client'> = {}): RuleStore {
  const client = options.client ?? etcdClient(options.hosts);
  const prefix = `${prefixOf(options.namespace)}rules/`;
  return {
    async get(service) {
      const value = await client.get(prefix + service).string();
      return value === null ? undefined : parseRule(value);
    },
    async put(service, rule) {
      if (rule === undefined) await client.delete().key(prefix + service);
      else await client.put(prefix + service).value(JSON.stringify(rule));
    },
    watch(service, listener) {
      const key = prefix + service;
      const sink = { update: (values: RouteRule[]) => listener(values[0]), down: () => {} };
      return watchPrefix(client, key, sink, parseRule, (found) => found === key);
    },
    async list() {
      const all = await client.getAll().prefix(prefix).strings();
      const rules = new Map<string, RouteRule>();
      for (const [key, value] of Object.entries(all)) {
        const rule = parseRule(value);
        if (rule !== undefined) rules.set(key.slice(prefix.length), rule);
      }
      return rules;
    },
    async close() {
      if (options.client === undefined) client.close();
    },
  };
}
