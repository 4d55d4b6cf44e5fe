import type { RpcCall } from './client-call.js';
import type { ServiceInstance } from './registry.js';

/** Picks one instance for a call from the candidates the registry offers. */
export interface Balancer {
  pick(instances: readonly ServiceInstance[], call: RpcCall): ServiceInstance | undefined;
}

/** Round robin over the candidates: the default balancer. */
export function roundRobin(): Balancer {
  let next = 0;
  return {
    pick(instances) {
      if (instances.length === 0) return undefined;
      next = (next + 1) % 0x7fffffff;
      return instances[next % instances.length];
    },
  };
}
