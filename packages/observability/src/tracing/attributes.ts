import type { Attributes, Span } from '@opentelemetry/api';
import type { ClientCall, Endpoint, ErrorCode, RpcCall, ServerCall } from '@wharf/core';
import { grpcStatusOf, httpStatusOf } from '@wharf/core/transport';
import type { ResultCode } from '../outcome.js';

// OpenTelemetry semantic conventions (RPC, HTTP and messaging spans), spelled out here rather
// than imported: @opentelemetry/semantic-conventions moves names between its stable and
// incubating entry points from release to release.
export const ATTR = {
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  grpcStatus: 'rpc.grpc.status_code',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  messagingSystem: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  consumerGroup: 'messaging.consumer.group.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  wharfCode: 'wharf.code',
  wharfTransport: 'wharf.transport',
  wharfRequestId: 'wharf.request_id',
  wharfDeadline: 'wharf.deadline_ms',
  wharfAttempt: 'wharf.event.attempt',
} as const;

/** `rpc.system` per transport: gRPC is `grpc`; Wharf's own protocols over HTTP and AMQP are `wharf`. */
function rpcSystem(transport: string): string {
  return transport === 'grpc' ? 'grpc' : 'wharf';
}

/** `messaging.system` of an event bus transport. */
export function messagingSystem(transport: string): string {
  return transport === 'amqp' ? 'rabbitmq' : transport;
}

/** The route the HTTP transport serves an RPC on (its `http` options, or `POST /v<major>/<service>/<method>`). */
function httpRoute(endpoint: Endpoint): { method: string; route: string } | undefined {
  if (endpoint.kind !== 'rpc') return undefined;
  const http = (endpoint as { http?: { method?: string; path?: string } }).http;
  return {
    method: http?.method ?? 'POST',
    route: `/v${endpoint.major}${http?.path ?? `/${endpoint.service}/${endpoint.name}`}`,
  };
}

/** Attributes of a server span, known when the request arrives. */
export function serverAttributes(call: ServerCall): Attributes {
  const a: Attributes = {
    [ATTR.wharfTransport]: call.transport,
    [ATTR.wharfRequestId]: call.requestId,
  };
  if (call.deadline !== undefined) a[ATTR.wharfDeadline] = call.deadline - Date.now();
  if (call.kind === 'event') {
    a[ATTR.messagingSystem] = messagingSystem(call.transport);
    a[ATTR.operationType] = 'process';
    a[ATTR.operationName] = 'process';
    a[ATTR.consumerGroup] = call.service;
    if (call.event !== undefined) {
      a[ATTR.destination] = call.event.name;
      a[ATTR.messageId] = call.event.id;
      a[ATTR.wharfAttempt] = call.event.attempt;
    }
    return a;
  }
  a[ATTR.rpcSystem] = rpcSystem(call.transport);
  a[ATTR.rpcService] = call.service;
  a[ATTR.rpcMethod] = call.method;
  if (call.transport === 'http') {
    const route = httpRoute(call.endpoint);
    if (route !== undefined) {
      a[ATTR.httpMethod] = route.method;
      a[ATTR.httpRoute] = route.route;
    }
  }
  if (call.transport === 'amqp') a[ATTR.messagingSystem] = 'rabbitmq';
  return a;
}

/** Attributes of a client or producer span, known before the transport is chosen. */
export function clientAttributes(call: ClientCall): Attributes {
  const a: Attributes = { [ATTR.wharfRequestId]: call.metadata['x-request-id'] ?? '' };
  if (call.deadline !== undefined) a[ATTR.wharfDeadline] = call.deadline - Date.now();
  if (call.kind === 'event') {
    a[ATTR.destination] = call.name;
    a[ATTR.routingKey] = call.name;
    a[ATTR.operationType] = 'send';
    a[ATTR.operationName] = 'publish';
    a[ATTR.messageId] = call.id;
    return a;
  }
  a[ATTR.rpcService] = call.service;
  a[ATTR.rpcMethod] = call.method;
  return a;
}

/** What is known once the call went out: the transport `resolve` chose and the address. */
export function resolvedAttributes(span: Span, call: ClientCall): void {
  const transport = call.transport;
  if (transport === undefined) return;
  span.setAttribute(ATTR.wharfTransport, transport);
  if (call.kind === 'event') {
    span.setAttribute(ATTR.messagingSystem, messagingSystem(transport));
    return;
  }
  span.setAttribute(ATTR.rpcSystem, rpcSystem(transport));
  if (transport === 'amqp') span.setAttribute(ATTR.messagingSystem, 'rabbitmq');
  const address = (call as RpcCall).address;
  if (address !== undefined && transport !== 'memory') {
    const server = serverOf(address);
    if (server === undefined) return;
    span.setAttribute(ATTR.serverAddress, server.host);
    if (server.port !== undefined) span.setAttribute(ATTR.serverPort, server.port);
  }
}

// Parsing a URL costs more than the rest of a client span; a process calls few distinct addresses.
const servers = new Map<string, { host: string; port: number | undefined } | undefined>();
const SERVERS_KEPT = 1024;

/** Host and port of an instance address, parsed once (undefined for what is not a URL). */
function serverOf(address: string): { host: string; port: number | undefined } | undefined {
  if (servers.has(address)) return servers.get(address);
  let server: { host: string; port: number | undefined } | undefined;
  try {
    const url = new URL(address);
    server = { host: url.hostname, port: url.port === '' ? undefined : Number(url.port) };
  } catch {
    server = undefined; // not a URL: the address is left out
  }
  if (servers.size >= SERVERS_KEPT) servers.clear(); // addresses churning without end: start over
  servers.set(address, server);
  return server;
}

/** The result's attributes: the Wharf code, and the transport's own status. */
export function resultAttributes(span: Span, transport: string | undefined, code: ResultCode, okStatus = 200): void {
  span.setAttribute(ATTR.wharfCode, code);
  if (code !== 'OK') span.setAttribute(ATTR.errorType, code);
  if (transport === 'grpc') span.setAttribute(ATTR.grpcStatus, code === 'OK' ? 0 : grpcStatusOf(code as ErrorCode));
  if (transport === 'http') span.setAttribute(ATTR.httpStatus, code === 'OK' ? okStatus : httpStatusOf(code as ErrorCode));
}
