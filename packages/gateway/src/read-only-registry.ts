import type { Registry } from '@wharf/core';

/**
 * The services' registry as the gateway sees it: it looks instances up and watches them, but never
 * registers its own forwarding services there, or callers would find the gateway instead of the
 * services (and the gateway itself).
 */
export function readOnly(registry: Registry): Registry {
  return {
    register: async () => {},
    deregister: async () => {},
    lookup: (service) => registry.lookup(service),
    ...(registry.watch === undefined
      ? {}
      : { watch: (service, listener) => (registry.watch as NonNullable<Registry['watch']>)(service, listener) }),
  };
}
