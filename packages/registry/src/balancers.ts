import type { Balancer, ServiceInstance } from '@wharf/core';
import type { InstanceStats } from './instance-stats.js';

/** Uniformly random: no state, no coordination. */
export function random(): Balancer {
  return {
    pick: (instances) => instances[Math.floor(Math.random() * instances.length)],
  };
}

/**
 * Power of two choices: two random instances, the one with fewer calls in flight from this
 * client. Nearly as good as least-loaded, with no global scan and no herd on the least-loaded one.
 */
export function powerOfTwo(stats: InstanceStats): Balancer {
  return {
    pick(instances) {
      const n = instances.length;
      if (n <= 1) return instances[0];
      const i = Math.floor(Math.random() * n);
      let j = Math.floor(Math.random() * (n - 1));
      if (j >= i) j++;
      const a = instances[i] as ServiceInstance;
      const b = instances[j] as ServiceInstance;
      return stats.inFlight(b.address) < stats.inFlight(a.address) ? b : a;
    },
  };
}

/** The weight an instance advertises in `metadata.weight` (DNS SRV weights arrive there too); default 1. */
export function weightOf(instance: ServiceInstance): number {
  const weight = Number(instance.metadata?.weight ?? 1);
  return Number.isFinite(weight) && weight >= 0 ? weight : 1;
}

/** Random, in proportion to each instance's `metadata.weight`. */
export function weighted(): Balancer {
  return {
    pick(instances) {
      let total = 0;
      for (const instance of instances) total += weightOf(instance);
      if (total <= 0) return instances[Math.floor(Math.random() * instances.length)];
      let point = Math.random() * total;
      for (const instance of instances) {
        point -= weightOf(instance);
        if (point < 0) return instance;
      }
      return instances[instances.length - 1];
    },
  };
}
