import type { Balancer, RpcCall, ServiceInstance } from '@wharf/core';
import type { RouteRule } from './backend.js';
import type { InstanceStats } from './instance-stats.js';
import { pickGroup, type RoutedGroups, route } from './routing.js';

/** `call.locals` key of the addresses a call already tried (written by the retry middleware). */
export const TRIED = 'wharf.registry.tried';

/** What the routing balancer needs: the rules, the per-instance stats, and the final choice. */
export interface RouteBalancerOptions {
  /** The current rule of a service (sync, from a watched cache). */
  readonly ruleOf: (service: string) => RouteRule | undefined;
  readonly stats: InstanceStats;
  /** Chooses among what is left; power-of-two-choices by default. */
  readonly choose: Balancer;
}

/**
 * The balancer `resolve` calls with the instances it can reach: applies the service's routing
 * rule (weights per release, drained instances), skips instances this call already tried and
 * ejected outliers (unless that leaves none), then lets `choose` pick. Retries never leave what
 * the rule routes to: after a switch to release 2, a failing call is not retried on release 1.
 */
export function routeBalancer(options: RouteBalancerOptions): Balancer {
  const { stats, choose } = options;
  // Routing is recomputed only when the candidates or the rule change (both keep their identity).
  const cache = new WeakMap<readonly ServiceInstance[], { rule: RouteRule | undefined; routed: RoutedGroups }>();
  return {
    pick(instances: readonly ServiceInstance[], call: RpcCall) {
      if (instances.length === 0) return undefined;
      const rule = options.ruleOf(call.service);
      let hit = cache.get(instances);
      if (hit === undefined || hit.rule !== rule) {
        hit = { rule, routed: route(instances, rule) };
        cache.set(instances, hit);
      }
      let candidates = pickGroup(hit.routed);
      const tried = call.locals[TRIED] as Set<string> | undefined;
      if (tried !== undefined) {
        // A retry stays within what the rule allows (as Envoy keeps it in the chosen cluster):
        // an untried instance of any routed release, else the same ones again.
        const untried = hit.routed.all.filter((i) => !tried.has(i.address));
        candidates = untried.length > 0 ? untried : hit.routed.all;
      }
      candidates = stats.withoutEjected(candidates);
      return choose.pick(candidates, call);
    },
  };
}
