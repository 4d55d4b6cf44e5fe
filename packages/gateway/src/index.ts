// The whole public surface of @wharf/gateway.
export type { CorsOptions } from './cors.js';
export type { EdgeLimits } from './edge.js';
export { createGateway, type Gateway } from './gateway.js';
export type { GatewayOAuth, GatewayOptions } from './options.js';
export type { LimitAnswer, RateLimitOptions } from './rate-limit/limiter.js';
export { memoryStore } from './rate-limit/memory-store.js';
export { type RedisStoreOptions, redisStore } from './rate-limit/redis-store.js';
export type { BucketPolicy, Decision, RateLimitStore } from './rate-limit/store.js';
export type { ResilienceOptions } from './resilience.js';
