// Where the services are: a registry (etcd, Eureka, static), or one address given on the command line.
import type { ServiceInstance } from '@wharf/core';
import { registryFromUrl, type WharfRegistry } from '@wharf/registry';
import { UsageError } from './args.js';

/** The registry the command line names: `--registry`, else WHARF_REGISTRY, else local etcd. */
export function openRegistry(url: string | undefined): WharfRegistry {
  return registryFromUrl(url ?? process.env.WHARF_REGISTRY ?? 'etcd://127.0.0.1:2379');
}

/** Every instance a registry knows. */
export async function listInstances(registry: WharfRegistry): Promise<readonly ServiceInstance[]> {
  const list = registry.backend.list;
  if (list === undefined) throw new UsageError(`The ${registry.backend.name} registry cannot list its instances`);
  return list.call(registry.backend);
}

/** The scheme of an address: `http`, `grpc`, `amqp`, `memory`. */
export function schemeOf(address: string): string {
  return address.slice(0, address.indexOf(':'));
}

/** The instances of `service` (of `major`, when given) reachable over `transport`, or a UsageError saying what there is. */
export async function instancesOf(
  registry: WharfRegistry,
  service: string,
  transport: string,
  major: number | undefined,
): Promise<ServiceInstance[]> {
  const all = (await registry.lookup(service)).filter((i) => major === undefined || Number(i.version.split('.')[0]) === major);
  const usable = all.filter((i) => schemeOf(i.address) === transport);
  if (usable.length > 0) return usable;
  const have = [...new Set(all.map((i) => schemeOf(i.address)).filter((s) => s !== 'memory'))];
  throw new UsageError(
    all.length === 0
      ? `The registry knows no instance of ${service}${major === undefined ? '' : ` v${major}`}; see wharf services`
      : `${service} is not served over ${transport}; try --transport ${have.join(' or --transport ')}`,
  );
}
