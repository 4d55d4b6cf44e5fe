// The whole public surface of @wharf/transport-amqp.

export type { RetryOptions } from '@wharf/core/transport';
export { type DedupeInfo, type Deduplicator, type MemoryDedupeOptions, memoryDedupe } from '@wharf/core/transport';
export type { BackoffOptions } from './connection/backoff.js';
export { AMQP_ENV, amqpTransport } from './env.js';
export type { Log } from './log.js';
export { DIRECT_REPLY_TO, Header, type TopologyNames, topologyNames } from './names.js';
export type { AmqpTransportOptions, ConsumerInfo } from './options.js';
export type { AmqpStats } from './stats.js';
export { type AsyncApiOptions, asyncApiDocument, type ContractLike } from './tools/asyncapi.js';
export {
  type DeadLetter,
  type DeadLetterOptions,
  listDeadLetters,
  type ReplayOptions,
  type ReplayResult,
  replayDeadLetters,
} from './tools/dead-letters.js';
export type { AmqpTransport } from './transport.js';
