// The whole public surface of @wharf/transport-amqp.
export { type AsyncApiOptions, asyncApiDocument, type ContractLike } from './asyncapi.js';
export type { BackoffOptions } from './backoff.js';
export {
  type DeadLetter,
  type DeadLetterOptions,
  listDeadLetters,
  type ReplayOptions,
  type ReplayResult,
  replayDeadLetters,
} from './dead-letters.js';
export { type DedupeInfo, type Deduplicator, type MemoryDedupeOptions, memoryDedupe } from './dedupe.js';
export type { Log } from './log.js';
export { DIRECT_REPLY_TO, Header, type TopologyNames, topologyNames } from './names.js';
export type { AmqpTransportOptions, ConsumerInfo } from './options.js';
export type { RetryOptions } from './retry-policy.js';
export type { AmqpStats } from './stats.js';
export { type AmqpTransport, amqpTransport } from './transport.js';
