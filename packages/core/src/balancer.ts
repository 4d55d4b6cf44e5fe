import type { RpcCall } from './client-call.js';
import type { ServiceInstance } from './registry.js';

/** Picks one instance for a call from the candidates the registry offers. */
export interface Balancer {
  pick(instances: readonly ServiceInstance[], call: RpcCall): ServiceInstance | undefined;
}

/** Round robin over the candidates: the default balancer. */
export function roundRobin(): Balancer {
  return new RoundRobin();
}

// A class, not an object of closures: every app's picks then run the same method (see Layer).
class RoundRobin implements Balancer {
  #next = 0;

  pick(instances: readonly ServiceInstance[]): ServiceInstance | undefined {
    if (instances.length === 0) return undefined;
    this.#next = (this.#next + 1) % 0x7fffffff;
    return instances[this.#next % instances.length];
  }
}
