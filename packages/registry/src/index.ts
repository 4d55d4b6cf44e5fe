// The whole public surface of @wharf/registry: registry backends behind core's `Registry`, the
// watched cache, balancers, breaker, retries, bulkhead and version routing.
export type { RegistryBackend, RouteRule, RuleStore, WatchSink } from './backend.js';
export { type DnsName, type DnsOptions, dnsBackend } from './backends/dns.js';
export { type EtcdOptions, etcdBackend, etcdClient, etcdRules } from './backends/etcd.js';
export { type EurekaOptions, eurekaBackend } from './backends/eureka.js';
export { parseStaticList, type StaticOptions, staticBackend } from './backends/static.js';
export { powerOfTwo, random, weighted, weightOf } from './balancers.js';
export {
  type BreakerEvents,
  type BreakerOptions,
  type BreakerState,
  type BreakerStateChange,
  type Breakers,
  breakers,
} from './breaker.js';
export { type BulkheadLimits, type BulkheadOptions, bulkhead } from './bulkhead.js';
export { createRegistry, type RegistryOptions, type WharfRegistry } from './cached-registry.js';
export { type ResilientClient, type ResilientClientOptions, resilientClient } from './client.js';
export { registryFromUrl } from './from-url.js';
export { InstanceStats, type OutlierOptions, trackCalls } from './instance-stats.js';
export { memoryRules } from './memory-rules.js';
export { type RetryOptions, retry } from './retry.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export { type RouteBalancerOptions, routeBalancer, TRIED } from './route-balancer.js';
export { releaseMatches, releaseOf, route } from './routing.js';
export { isTransient, neverReachedHandler, TRANSIENT_CODES } from './transient.js';
