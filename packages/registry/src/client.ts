import type { Balancer, ClientBuiltins, ClientMiddleware } from '@wharf/core';
import { powerOfTwo } from './balancers.js';
import { type BreakerOptions, type Breakers, breakers } from './breaker.js';
import type { WharfRegistry } from './cached-registry.js';
import { InstanceStats, type OutlierOptions, trackCalls } from './instance-stats.js';
import { type RetryOptions, retry } from './retry.js';
import { routeBalancer } from './route-balancer.js';
import { trackedBreakers } from './tracked-breaker.js';

/** What `resilientClient` takes: the registry, and options for each part (`false` leaves it out). */
export interface ResilientClientOptions {
  readonly registry: WharfRegistry;
  /** Picks among the routed, healthy candidates; power-of-two-choices by in-flight calls by default. */
  readonly balancer?: (stats: InstanceStats) => Balancer;
  readonly outliers?: OutlierOptions;
  readonly breaker?: BreakerOptions | false;
  readonly retry?: RetryOptions | false;
  /** Your own client middleware, run first (tracing, auth). */
  readonly middleware?: readonly ClientMiddleware[];
}

/** Spread into `createApp`: the registry, the balancer and the client pipeline; plus handles. */
export interface ResilientClient {
  readonly registry: WharfRegistry;
  readonly balancer: Balancer;
  readonly middleware: { readonly client: (builtins: ClientBuiltins) => readonly ClientMiddleware[] };
  readonly stats: InstanceStats;
  /** The breakers (events, states), when enabled. */
  readonly breakers: Breakers | undefined;
}

/**
 * The full client stack, in its order: your middleware, retry (before the choice, so each retry
 * chooses again), `resolve` (registry cache → routing rule → transport preference → balancer),
 * in-flight and outlier tracking, then the per-instance breaker. `createApp({ ...resilientClient({ registry }), transports })`.
 */
export function resilientClient(options: ResilientClientOptions): ResilientClient {
  const stats = new InstanceStats(options.outliers);
  const balancer = routeBalancer({
    ruleOf: (service) => options.registry.routeRule(service),
    stats,
    choose: (options.balancer ?? powerOfTwo)(stats),
  });
  const breaker = options.breaker === false ? undefined : breakers(options.breaker);
  const track = breaker === undefined ? trackCalls(stats) : trackedBreakers(stats, breaker);
  const head = [...(options.middleware ?? []), ...(options.retry === false ? [] : [retry(options.retry)])];
  return {
    registry: options.registry,
    balancer,
    stats,
    breakers: breaker,
    middleware: {
      client: (builtins) => [...head, builtins.resolve, track],
    },
  };
}
