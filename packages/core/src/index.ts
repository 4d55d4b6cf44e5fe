// The whole public surface of @wharf/core.
export type { Logger, LoggerOptions } from 'pino';
export { type App, type AppOptions, type ClientBuiltins, createApp, type ServerBuiltins, type ShutdownOptions } from './app.js';
export { type Balancer, roundRobin } from './balancer.js';
export type { Caller, CallInput, CallOptions, CallResult, Client, ClientMethod, EmitOptions } from './caller.js';
export type { ClientCall, EventCall, RpcCall } from './client-call.js';
export type { Context, ServerCall } from './context.js';
export { type Contract, type ContractSpec, defineContract, type EventSpec, type MethodsOf, type RefOf } from './contract.js';
export { DeclarationError } from './declaration-error.js';
export { On, Rpc, Service, type ServiceOptions } from './decorators.js';
export {
  type AnyHandler,
  type Endpoint,
  type EventEndpoint,
  type EventRef,
  hasInputStream,
  hasOutputStream,
  type InputOf,
  type OnOptions,
  type OutputOf,
  type PayloadOf,
  type RpcEndpoint,
  type RpcHandler,
  type RpcOptions,
  type RpcRef,
  type RpcTransportOptions,
  type ServiceDefinition,
  STREAM_KINDS,
  type StreamKind,
} from './endpoint.js';
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
export { MemoryNetwork, type MemoryTransportOptions, memoryTransport } from './memory-transport.js';
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
export { type RequestLogOptions, requestLog } from './middleware/request-log.js';
export { type ResolveOptions, resolve, schemeOf } from './middleware/resolve.js';
export { type ValidationOptions, validation } from './middleware/validation.js';
export { majorOf } from './names.js';
export {
  type ClientMiddleware,
  compose,
  type EndpointMiddleware,
  type Middleware,
  type Next,
  type ServerMiddleware,
  type ServerMiddlewareEntry,
} from './pipeline.js';
export { memoryRegistry, type Registry, type ServiceInstance } from './registry.js';
export {
  defineService,
  type HandlerOf,
  type HandlersOf,
  implement,
  type OnSpec,
  on,
  type RpcSpec,
  rpc,
  type ServiceSpec,
  serviceFromInstance,
  toServiceDefinition,
} from './service.js';
export { fromIterable, isAsyncIterable, mapStream, type StreamHooks, wrapStream } from './stream.js';
export { matchTopic } from './topic.js';
export {
  type AppState,
  carriesStream,
  type EventInfo,
  type InboundRequest,
  type OutboundCall,
  type OutboundEvent,
  type ResponseChannel,
  type Transport,
  type TransportContext,
  type TransportHost,
} from './transport.js';
export { fieldViolations, formatPath, isSchema, parseOrThrow, type Schema } from './validation.js';
