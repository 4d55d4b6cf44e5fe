// The whole public surface of @wharf/transport-kafka.
export { type DedupeInfo, type Deduplicator, memoryDedupe, type RetryOptions } from '@wharf/core/transport';
export { type AsyncApiOptions, asyncApiDocument, type KafkaContractLike } from './asyncapi.js';
export {
  type DeadLetter,
  type DeadLetterOptions,
  listDeadLetters,
  type ReplayOptions,
  type ReplayResult,
  replayDeadLetters,
} from './dead-letters.js';
export { Header, type KafkaNames, kafkaNames, topicMatcher } from './names.js';
export type { KafkaTransportOptions } from './options.js';
export type { KafkaStats } from './stats.js';
export { type KafkaTransport, kafkaTransport } from './transport.js';
