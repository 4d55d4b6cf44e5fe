import { STREAM_KINDS, type Transport, type TransportContext, type TransportHost } from '@wharf/core/transport';
import { GrpcClient } from './client.js';
import type { GrpcTransportOptions } from './options.js';
import { GrpcServer } from './server.js';

/**
 * The gRPC transport: serves every RPC of the app over gRPC (protobuf generated from the zod
 * schemas, or a bound .proto), with health and reflection, and calls `grpc://host:port` addresses.
 * Carries all four stream kinds.
 */
export function grpcTransport(options: GrpcTransportOptions = {}): Transport {
  const server = new GrpcServer(options);
  const client = new GrpcClient(options);
  let app: TransportHost | undefined;
  let attached: TransportContext | undefined;
  return {
    name: 'grpc',
    streams: STREAM_KINDS,
    attach(context) {
      attached = context;
    },
    listen(host) {
      if (attached === undefined) return Promise.reject(new Error('The gRPC transport was not attached: pass it to createApp'));
      app = host;
      return server.listen(host, attached);
    },
    call: (call) => client.call(call),
    async close(signal) {
      // The server drains first; then the client stays open until no handler anywhere in the app
      // (on HTTP, AMQP, …) is still running, since those may call out over gRPC while draining.
      await server.close(signal);
      await app?.idle(signal);
      await client.close(signal);
    },
  };
}
