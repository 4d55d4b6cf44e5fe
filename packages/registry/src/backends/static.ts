import type { ServiceInstance } from '@wharf/core';
import type { RegistryBackend, WatchSink } from '../backend.js';
import { entryOf } from '../map-entry.js';

/** Where the static backend's addresses come from. */
export interface StaticOptions {
  /** Instances, or addresses by service (`{ greeter: ['http://10.0.0.5:3000'] }`, version `1.0.0`). */
  readonly instances?: readonly ServiceInstance[] | Readonly<Record<string, readonly string[]>>;
  /**
   * An environment variable read as well: `greeter@1.2.0=http://a:3000,grpc://a:50051;billing=http://b:3000`
   * (version optional, `1.0.0` by default). Default `WHARF_INSTANCES`.
   */
  readonly env?: string;
}

/** Parses the static list format (see `StaticOptions.env`); throws on an entry it cannot read. */
export function parseStaticList(text: string): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  for (const entry of text
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9_.-]+)(?:@([0-9][A-Za-z0-9.+-]*))?=(.+)$/.exec(entry);
    if (match === null)
      throw new Error(
        `Cannot read the static registry entry ${JSON.stringify(entry)}; write service[@version]=address[,address]`,
      );
    const [, service = '', version = '1.0.0', addresses = ''] = match;
    for (const address of addresses
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean)) {
      if (!address.includes('://'))
        throw new Error(`${JSON.stringify(address)} (for ${service}) is not an address; write scheme://host:port`);
      out.push({ id: `static:${service}:${address}`, service, version, address });
    }
  }
  return out;
}

/**
 * Fixed addresses, from options or an environment variable; instances an app registers are added
 * locally, so apps in one process find each other too. Nothing is ever looked up remotely.
 */
export function staticBackend(options: StaticOptions = {}): RegistryBackend {
  const instances = new Map<string, ServiceInstance>();
  const given = options.instances ?? [];
  const seed = Array.isArray(given)
    ? (given as readonly ServiceInstance[])
    : Object.entries(given as Record<string, readonly string[]>).flatMap(([service, addresses]) =>
        addresses.map((address) => ({ id: `static:${service}:${address}`, service, version: '1.0.0', address })),
      );
  const fromEnv = process.env[options.env ?? 'WHARF_INSTANCES'];
  for (const instance of [...seed, ...(fromEnv ? parseStaticList(fromEnv) : [])]) instances.set(instance.id, instance);
  const sinks = new Map<string, Set<WatchSink>>();
  const of = (service: string) => [...instances.values()].filter((i) => i.service === service);
  const notify = (service: string) => {
    for (const sink of sinks.get(service) ?? []) sink.update(of(service));
  };
  return {
    name: 'static',
    async register(instance) {
      instances.set(instance.id, instance);
      notify(instance.service);
    },
    async deregister(id) {
      const instance = instances.get(id);
      if (instance === undefined) return;
      instances.delete(id);
      notify(instance.service);
    },
    watch(service, sink) {
      const set = entryOf(sinks, service, () => new Set<WatchSink>());
      set.add(sink);
      sink.update(of(service));
      return () => set.delete(sink);
    },
    async list() {
      return [...instances.values()];
    },
    async close() {
      sinks.clear();
    },
  };
}
