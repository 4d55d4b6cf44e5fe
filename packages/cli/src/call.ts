// `wharf call SERVICE.METHOD JSON`: one call to a running service over the transport asked for,
// with no contract in hand. HTTP and AMQP carry JSON, so Wharf's own clients send it as it is;
// gRPC carries protobuf, so the types come from the server's reflection service.
import * as grpc from '@grpc/grpc-js';
import { createApp, type RpcRef, type Transport, WharfError } from '@wharf/core';
import { amqpTransport } from '@wharf/transport-amqp';
import { httpTransport } from '@wharf/transport-http';
import * as z from 'zod';
import { UsageError } from './args.js';
import { callUnary, grpcClient, rootFor } from './grpc-reflection.js';

/** The transports `wharf call` speaks. */
export const CALL_TRANSPORTS = ['http', 'grpc', 'amqp'] as const;
export type CallTransport = (typeof CALL_TRANSPORTS)[number];

/** One call: where, what, and how long it may take. */
export interface CallRequest {
  readonly address: string;
  readonly service: string;
  readonly method: string;
  readonly major: number;
  readonly input: unknown;
  readonly metadata: Record<string, string>;
  readonly timeoutMs: number;
}

/** A method reference for a method we have no contract for: any JSON in, any JSON out. */
function looseRef(service: string, method: string, major: number, http?: { method: string; path: string }): RpcRef {
  return {
    service,
    version: `${major}.0.0`,
    major,
    name: method,
    fullName: `${service}.${method}`,
    input: z.unknown(),
    output: z.unknown(),
    stream: 'unary',
    ...(http === undefined ? {} : { http }),
  } as RpcRef;
}

/** The route an HTTP instance declares for the method in its OpenAPI document, when it is not the default. */
async function declaredRoute(address: string, fullName: string, major: number) {
  try {
    const res = await fetch(new URL('/openapi.json', address), { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const doc = (await res.json()) as { paths?: Record<string, Record<string, { 'x-wharf-rpc'?: string }>> };
    for (const [path, operations] of Object.entries(doc.paths ?? {})) {
      for (const [verb, operation] of Object.entries(operations)) {
        if (operation['x-wharf-rpc'] !== fullName) continue;
        const relative = path.replace(new RegExp(`^/v${major}(?=/)`), '').replace(/\{(\w+)\}/g, ':$1');
        return { method: verb.toUpperCase(), path: relative };
      }
    }
  } catch {
    // No document: the default route.
  }
  return undefined;
}

/** Sends the call through a one-transport Wharf app, as any Wharf service would. */
async function callWithWharf(transport: Transport, ref: RpcRef, request: CallRequest): Promise<unknown> {
  const app = createApp({
    name: 'wharf-cli',
    transports: [transport],
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
  try {
    return await app.call(ref, request.input as never, {
      address: request.address,
      metadata: request.metadata,
      timeoutMs: request.timeoutMs,
    });
  } finally {
    await app.stop();
  }
}

async function callOverGrpc(request: CallRequest): Promise<unknown> {
  const client = grpcClient(request.address);
  const deadline = Date.now() + request.timeoutMs;
  const pascal = request.service
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const serviceName = `${request.service}.v${request.major}.${pascal}`;
  try {
    const root = await rootFor(client, serviceName, deadline);
    const service = root.lookupService(serviceName);
    const rpcName = request.method.charAt(0).toUpperCase() + request.method.slice(1);
    const method = service.methods[rpcName];
    if (method === undefined) {
      throw new WharfError(
        'UNIMPLEMENTED',
        `${serviceName} has no method ${rpcName}; it has ${Object.keys(service.methods).join(', ')}`,
      );
    }
    if (method.requestStream || method.responseStream) {
      throw new UsageError(`${request.service}.${request.method} streams; wharf call sends unary calls only`);
    }
    return await callUnary(client, method, request.input, request.metadata, deadline);
  } catch (error) {
    const status = error as { code?: number; details?: string };
    const code = typeof status.code === 'number' ? grpc.status[status.code] : undefined;
    if (code !== undefined && code !== 'OK') throw new WharfError(code as never, status.details ?? 'The gRPC call failed');
    throw error;
  } finally {
    client.close();
  }
}

/** Calls one method over one transport and resolves with its output. */
export async function callMethod(transport: CallTransport, request: CallRequest): Promise<unknown> {
  switch (transport) {
    case 'http': {
      const route = await declaredRoute(request.address, `${request.service}.${request.method}`, request.major);
      return callWithWharf(httpTransport(), looseRef(request.service, request.method, request.major, route), request);
    }
    case 'amqp':
      // The broker's credentials are not part of a registered address: WHARF_AMQP_URL gives them.
      return callWithWharf(amqpTransport(), looseRef(request.service, request.method, request.major), request);
    case 'grpc':
      return callOverGrpc(request);
  }
}
