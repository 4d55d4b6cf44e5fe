import { Resolver } from 'node:dns/promises';
import type { ServiceInstance } from '@wharf/core';
import type { RegistryBackend, WatchSink } from '../backend.js';

/** How one service is found in DNS: an SRV name, or a host name and a port. */
export type DnsName =
  | { readonly srv: string; readonly scheme: string; readonly version?: string }
  | { readonly host: string; readonly port: number; readonly scheme: string; readonly version?: string };

/** What the DNS backend resolves, and with which server. */
export interface DnsOptions {
  /** Per service: `{ greeter: { srv: '_grpc._tcp.greeter.default.svc.cluster.local', scheme: 'grpc' } }`. */
  readonly services: Readonly<Record<string, DnsName>>;
  /** DNS servers (`'127.0.0.1:5353'`); the system's by default. */
  readonly servers?: readonly string[];
  /** Bounds on the refresh interval the records' TTL gives; default 1 s and 5 min. */
  readonly minRefreshMs?: number;
  readonly maxRefreshMs?: number;
}

// "No such name" and "no records of that type" are answers (no instance), not outages.
const EMPTY_ANSWERS = new Set(['ENOTFOUND', 'ENODATA']);

interface Resolved {
  readonly instances: ServiceInstance[];
  /** The shortest TTL among the answers, in seconds. */
  readonly ttl: number;
}

/**
 * Discovery from DNS, as a Kubernetes headless Service gives it: A/AAAA records of a host name,
 * or SRV records (their targets resolved to A/AAAA). Each service is resolved again when its
 * shortest A/AAAA TTL runs out (Node does not expose SRV TTLs, so the targets' TTL governs).
 * Registering is left to the platform: `register` and `deregister` do nothing here.
 */
export function dnsBackend(options: DnsOptions): RegistryBackend {
  const resolver = new Resolver({ timeout: 1_000, tries: 2 });
  if (options.servers !== undefined) resolver.setServers([...options.servers]);
  const minMs = options.minRefreshMs ?? 1_000;
  const maxMs = options.maxRefreshMs ?? 300_000;

  async function addresses(host: string): Promise<{ address: string; ttl: number }[]> {
    const out: { address: string; ttl: number }[] = [];
    for (const family of [4, 6] as const) {
      try {
        const records =
          family === 4 ? await resolver.resolve4(host, { ttl: true }) : await resolver.resolve6(host, { ttl: true });
        out.push(...records.map((r) => ({ address: family === 6 ? `[${r.address}]` : r.address, ttl: r.ttl })));
      } catch (error) {
        if (!EMPTY_ANSWERS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
    return out;
  }

  async function resolve(service: string, name: DnsName): Promise<Resolved> {
    const version = name.version ?? '1.0.0';
    const targets: { host: string; port: number; metadata: Record<string, string> }[] = [];
    if ('srv' in name) {
      try {
        for (const r of await resolver.resolveSrv(name.srv)) {
          targets.push({ host: r.name, port: r.port, metadata: { priority: String(r.priority), weight: String(r.weight) } });
        }
      } catch (error) {
        if (!EMPTY_ANSWERS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    } else targets.push({ host: name.host, port: name.port, metadata: {} });
    const instances: ServiceInstance[] = [];
    let ttl = maxMs / 1000;
    for (const target of targets) {
      for (const { address, ttl: recordTtl } of await addresses(target.host)) {
        ttl = Math.min(ttl, recordTtl);
        const url = `${name.scheme}://${address}:${target.port}`;
        instances.push({
          id: `dns:${service}:${url}`,
          service,
          version,
          address: url,
          metadata: { ...target.metadata, host: target.host },
        });
      }
    }
    return { instances, ttl };
  }

  const stops = new Set<() => void>();
  return {
    name: 'dns',
    async register() {},
    async deregister() {},
    watch(service, sink: WatchSink) {
      // Own keys only: `constructor` is a valid service name, and not one the options name.
      const name = Object.hasOwn(options.services, service) ? options.services[service] : undefined;
      if (name === undefined) {
        sink.update([]);
        return () => {};
      }
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const refresh = async (): Promise<void> => {
        let next = minMs;
        try {
          const { instances, ttl } = await resolve(service, name);
          if (stopped) return;
          sink.update(instances);
          next = Math.min(maxMs, Math.max(minMs, ttl * 1000));
        } catch (error) {
          if (stopped) return;
          sink.down(error as Error);
        }
        timer = setTimeout(() => void refresh(), next);
        timer.unref();
      };
      void refresh();
      const stop = () => {
        stopped = true;
        clearTimeout(timer);
        stops.delete(stop);
      };
      stops.add(stop);
      return stop;
    },
    async list() {
      const all = await Promise.all(Object.entries(options.services).map(([service, name]) => resolve(service, name)));
      return all.flatMap((r) => r.instances);
    },
    async close() {
      for (const stop of [...stops]) stop();
      resolver.cancel();
    },
  };
}
