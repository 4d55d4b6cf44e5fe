import type { RegistryStatus, ServiceInstance } from '@wharf/core';
import type { RouteRule, WharfRegistry } from '@wharf/registry';
import { schemeOf } from './scheme.js';

/**
 * A view of a registry that offers, for each service, only the instances reachable over the
 * transports configured for it (`stock=amqp;catalog=grpc`): how a caller sends queries over gRPC
 * and commands over AMQP without any handler knowing. In-process instances always qualify;
 * services not listed keep every transport. Everything else (rules, watches, status) is the
 * registry's own.
 */
export function routedRegistry(registry: WharfRegistry, routes: Readonly<Record<string, readonly string[]>>): WharfRegistry {
  const cache = new Map<string, { source: readonly ServiceInstance[]; filtered: readonly ServiceInstance[] }>();
  const filter = (service: string, source: readonly ServiceInstance[]): readonly ServiceInstance[] => {
    const schemes = routes[service];
    if (schemes === undefined) return source;
    const hit = cache.get(service);
    if (hit?.source === source) return hit.filtered; // the same array until the set changes, as callers expect
    const filtered = Object.freeze(
      source.filter((i) => {
        const scheme = schemeOf(i.address);
        return scheme === 'memory' || (scheme !== undefined && schemes.includes(scheme));
      }),
    );
    cache.set(service, { source, filtered });
    return filtered;
  };
  return {
    get backend() {
      return registry.backend;
    },
    get rules() {
      return registry.rules;
    },
    routeRule: (service: string): RouteRule | undefined => registry.routeRule(service),
    register: (instance) => registry.register(instance),
    deregister: (id) => registry.deregister(id),
    lookup(service) {
      const found = registry.lookup(service);
      return Array.isArray(found)
        ? filter(service, found)
        : (found as Promise<readonly ServiceInstance[]>).then((list) => filter(service, list));
    },
    watch: (service, listener) => registry.watch?.(service, (list) => listener(filter(service, list))) ?? (() => {}),
    status: (): RegistryStatus => registry.status(),
    close: () => registry.close(),
  };
}
