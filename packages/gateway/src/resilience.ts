import type { Balancer, ClientBuiltins, ClientMiddleware, Registry } from '@wharf/core';
import {
  type BreakerOptions,
  breakers,
  InstanceStats,
  type OutlierOptions,
  powerOfTwo,
  type RetryOptions,
  type RouteRule,
  retry,
  routeBalancer,
  trackCalls,
} from '@wharf/registry';

/** How the gateway's calls to the services survive failing instances (see @wharf/registry). */
export interface ResilienceOptions {
  /** Per-instance circuit breakers; `false` for none. */
  readonly breaker?: BreakerOptions | false;
  /** Retries on another instance: idempotent routes on any transient failure, any route when it never reached a handler; `false` for none. */
  readonly retry?: RetryOptions | false;
  /** When an instance is taken out of rotation after consecutive failures. */
  readonly outliers?: OutlierOptions;
  /** The final choice among routed, healthy instances; power-of-two-choices by calls in flight by default. */
  readonly balancer?: Balancer;
}

/**
 * The registry package's client stack for the gateway, in its order: your middleware, retry,
 * `resolve` (with the routing balancer: the service's blue-green/canary rule when the registry has
 * rules, ejected outliers and instances already tried left out, then the choice), in-flight and
 * outlier tracking, the per-instance breaker. Works with any core `Registry`.
 */
export function resilience(registry: Registry, options: ResilienceOptions, head: readonly ClientMiddleware[]) {
  const stats = new InstanceStats(options.outliers);
  const rules = registry as Partial<{ routeRule(service: string): RouteRule | undefined }>;
  const balancer = routeBalancer({
    ruleOf: typeof rules.routeRule === 'function' ? (service) => rules.routeRule?.(service) : () => undefined,
    stats,
    choose: options.balancer ?? powerOfTwo(stats),
  });
  const breaker = options.breaker === false ? undefined : breakers(options.breaker);
  const track = trackCalls(stats);
  const retries = options.retry === false ? [] : [retry(options.retry)];
  return {
    balancer,
    client: (builtins: ClientBuiltins): readonly ClientMiddleware[] => [
      ...head,
      ...retries,
      builtins.resolve,
      track,
      ...(breaker === undefined ? [] : [breaker]),
    ],
    close: () => breaker?.close(),
  };
}
