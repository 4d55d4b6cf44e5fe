import type { Attributes, Span } from '@opentelemetry/api';
import type { ClientCall, Endpoint, ErrorCode, RpcCall, ServerCall } from '@wharf/core';
import { grpcStatusOf, httpStatusOf } from '@wharf/core/transport';
import type { ResultCode } from '../outcome.js';
import { LeanSpan } from './lean-span.js';

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

// An endpoint's HTTP route, made once: a request's span keeps it for as long as it is queued.
const routes = new WeakMap<Endpoint, { method: string; route: string } | undefined>();

/** The route the HTTP transport serves an RPC on (its `http` options, or `POST /v<major>/<service>/<method>`). */
function httpRoute(endpoint: Endpoint): { method: string; route: string } | undefined {
  if (routes.has(endpoint)) return routes.get(endpoint);
  let found: { method: string; route: string } | undefined;
  if (endpoint.kind === 'rpc') {
    const http = (endpoint as { http?: { method?: string; path?: string } }).http;
    found = {
      method: http?.method ?? 'POST',
      route: `/v${endpoint.major}${http?.path ?? `/${endpoint.service}/${endpoint.name}`}`,
    };
  }
  routes.set(endpoint, found);
  return found;
}

/** Attributes of a server span, known when the request arrives. */
export function serverAttributes(call: ServerCall): Attributes {
  const transport = call.transport;
  if (call.kind === 'rpc') {
    // One literal per shape, keys spelled out (they are ATTR's): an object built whole is smaller
    // and faster to make than one grown key by key, and it lives as long as its span is queued.
    const route = transport === 'http' ? httpRoute(call.endpoint) : undefined;
    const a: Attributes =
      route === undefined
        ? {
            'wharf.transport': transport,
            'wharf.request_id': call.requestId,
            'rpc.system': rpcSystem(transport),
            'rpc.service': call.service,
            'rpc.method': call.method,
          }
        : {
            'wharf.transport': transport,
            'wharf.request_id': call.requestId,
            'rpc.system': rpcSystem(transport),
            'rpc.service': call.service,
            'rpc.method': call.method,
            'http.request.method': route.method,
            'http.route': route.route,
          };
    if (transport === 'amqp') a[ATTR.messagingSystem] = 'rabbitmq';
    if (call.deadline !== undefined) a[ATTR.wharfDeadline] = call.deadline - Date.now();
    return a;
  }
  const a: Attributes = {
    [ATTR.wharfTransport]: transport,
    [ATTR.wharfRequestId]: call.requestId,
  };
  if (call.deadline !== undefined) a[ATTR.wharfDeadline] = call.deadline - Date.now();
  a[ATTR.messagingSystem] = messagingSystem(transport);
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

/** Attributes of a client or producer span, known before the transport is chosen. */
export function clientAttributes(call: ClientCall): Attributes {
  const requestId = call.metadata['x-request-id'] ?? '';
  if (call.kind === 'rpc') {
    // Built whole, keys spelled out, as in serverAttributes.
    const a: Attributes = { 'wharf.request_id': requestId, 'rpc.service': call.service, 'rpc.method': call.method };
    if (call.deadline !== undefined) a[ATTR.wharfDeadline] = call.deadline - Date.now();
    return a;
  }
  const a: Attributes = { [ATTR.wharfRequestId]: requestId };
  if (call.deadline !== undefined) a[ATTR.wharfDeadline] = call.deadline - Date.now();
  a[ATTR.destination] = call.name;
  a[ATTR.routingKey] = call.name;
  a[ATTR.operationType] = 'send';
  a[ATTR.operationName] = 'publish';
  a[ATTR.messageId] = call.id;
  return a;
}

/** What is known once the call went out: the transport `resolve` chose and the address. */
export function resolvedAttributes(span: Span, call: ClientCall): void {
  const transport = call.transport;
  if (transport === undefined) return;
  set(span, ATTR.wharfTransport, transport);
  if (call.kind === 'event') {
    set(span, ATTR.messagingSystem, messagingSystem(transport));
    return;
  }
  set(span, ATTR.rpcSystem, rpcSystem(transport));
  if (transport === 'amqp') set(span, ATTR.messagingSystem, 'rabbitmq');
  const address = (call as RpcCall).address;
  if (address !== undefined && transport !== 'memory') {
    const server = serverOf(address);
    if (server === undefined) return;
    set(span, ATTR.serverAddress, server.host);
    if (server.port !== undefined) set(span, ATTR.serverPort, server.port);
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
  set(span, ATTR.wharfCode, code);
  if (code !== 'OK') set(span, ATTR.errorType, code);
  if (transport === 'grpc') set(span, ATTR.grpcStatus, code === 'OK' ? 0 : grpcStatusOf(code as ErrorCode));
  if (transport === 'http') set(span, ATTR.httpStatus, code === 'OK' ? okStatus : httpStatusOf(code as ErrorCode));
}

/** Sets an attribute Wharf made: unchecked on a lean span (see `LeanSpan.setKnown`). */
function set(span: Span, key: string, value: string | number): void {
  if (span instanceof LeanSpan) span.setKnown(key, value);
  else span.setAttribute(key, value);
}
