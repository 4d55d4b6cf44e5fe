// The whole public surface of @wharf/core: the user's API. Transport authors also import
// @wharf/core/transport (src/spi.ts).
export type { Logger, LoggerOptions } from 'pino';
export { createApp } from './app.js';
export type { App, AppIdentity, AppOptions, ClientBuiltins, ServerBuiltins, ShutdownOptions } from './app-types.js';
export { type Balancer, roundRobin } from './balancer.js';
export type { Caller, CallInput, CallOptions, CallResult, Client, ClientMethod, EmitOptions } from './caller.js';
export type { Call, ClientCall, EventCall, RpcCall } from './client-call.js';
export type { Context, ServerCall } from './context.js';
export { type Contract, type ContractSpec, defineContract, type EventSpec, type MethodsOf, type RefOf } from './contract.js';
export { DeclarationError } from './declaration-error.js';
export { On, Rpc, Service, type ServiceOptions } from './decorators.js';
export type {
  AnyHandler,
  Endpoint,
  EventEndpoint,
  EventRef,
  InputOf,
  OnOptions,
  OutputOf,
  PayloadOf,
  RpcEndpoint,
  RpcOptions,
  RpcRef,
  RpcTransportOptions,
  ServiceDefinition,
  StreamKind,
} from './endpoint.js';
export type { EndpointsCheck } from './endpoints-check.js';
export { APP_ENV, ConfigError, type EnvKind, type EnvVar } from './env-config.js';
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetails,
  type FieldViolation,
  isErrorCode,
  WharfError,
  type WireError,
} from './errors.js';
export type { RpcHandler } from './handler.js';
export { MemoryNetwork, type MemoryTransportOptions, memoryTransport } from './memory-transport.js';
export { type Metadata, MetadataKey, PROPAGATED_KEYS } from './metadata.js';
export { type RequestLogOptions, requestLog } from './middleware/request-log.js';
export { type ResolveOptions, resolve } from './middleware/resolve.js';
export { type ValidationOptions, validation } from './middleware/validation.js';
export { majorOf } from './names.js';
export {
  type CallMiddleware,
  type ClientMiddleware,
  compose,
  type EndpointMiddleware,
  type Middleware,
  type Next,
  type ServerMiddleware,
  type ServerMiddlewareEntry,
} from './pipeline.js';
export { memoryRegistry, type Registry, type RegistryStatus, type ServiceInstance } from './registry.js';
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
// Types the user API refers to (App.state, ctx.event, ctx.response, AppOptions.transports,
// App.dispatch); the rest of the transport SPI is in @wharf/core/transport.
export type {
  AppHealth,
  AppState,
  EventDelivery,
  EventInfo,
  InboundRequest,
  ResponseChannel,
  Transport,
  TransportObserver,
} from './transport.js';
export { fieldViolations, parseOrThrow, type Schema } from './validation.js';
