// The whole public surface of @wharf/core/transport: what a transport author needs beyond the
// user API in @wharf/core — the transport interfaces, and the helpers every transport shares
// (deadlines and request ids from the wire, status mappings, stream wrappers, the idle gate).
// See docs/writing-a-transport.md.
export type { Logger } from 'pino';
export { settledOrAborted } from './abortable.js';
export type { ClientCall, EventCall, RpcCall } from './client-call.js';
export { ConsumerReadiness } from './consumer-readiness.js';
export type { Context, ServerCall } from './context.js';
export { DeclarationError } from './declaration-error.js';
export { type DedupeInfo, type Deduplicator, type MemoryDedupeOptions, memoryDedupe } from './dedupe.js';
export {
  type Endpoint,
  type EventEndpoint,
  type EventRef,
  hasInputStream,
  hasOutputStream,
  type RpcEndpoint,
  type RpcRef,
  type ServiceDefinition,
  STREAM_KINDS,
  type StreamKind,
} from './endpoint.js';
export { ConfigError, type EnvKind, type EnvVar, optionsFromEnv, withEnv } from './env-config.js';
export {
  codeFromGrpcStatus,
  codeFromHttpStatus,
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetails,
  type FieldViolation,
  grpcStatusOf,
  httpStatusOf,
  isErrorCode,
  toWharfError,
  WharfError,
  type WireError,
} from './errors.js';
export { IdleGate, MAX_TIMER_MS } from './idle-gate.js';
export { DEFAULT_MAX_JSON_DEPTH, JsonDepthGuard, jsonTooDeep } from './json-depth.js';
export { documentKey, documentSchema } from './json-schema.js';
export {
  acceptRequestId,
  DEADLINE_SKEW_TOLERANCE_MS,
  deadlineFromTimeout,
  inboundDeadline,
  type Metadata,
  MetadataKey,
  newRequestId,
  PROPAGATED_KEYS,
  parseTimeout,
  propagate,
} from './metadata.js';
export { schemeOf } from './middleware/resolve.js';
export { type FoundContract, serviceInModule } from './module-exports.js';
export { type RetryOptions, type RetryPolicy, retryPolicy } from './retry-policy.js';
export { toServiceDefinition } from './service.js';
export { stoppedCallError } from './stopped-call.js';
export { fromIterable, isAsyncIterable, mapStream, type StreamHooks, wrapStream } from './stream.js';
export { matchTopic } from './topic.js';
export {
  type AppHealth,
  type AppState,
  carriesStream,
  type EventDelivery,
  type EventInfo,
  type InboundRequest,
  type OutboundCall,
  type OutboundEvent,
  type ResponseChannel,
  type Transport,
  type TransportContext,
  type TransportHost,
  type TransportObserver,
} from './transport.js';
export { fieldViolations, formatPath } from './validation.js';
