import type { Transport } from '@wharf/core';
import { type EnvVar, withEnv } from '@wharf/core/transport';
import type { GrpcTransportOptions } from './runtime/options.js';
import { grpcTransport as create } from './runtime/transport.js';

/** The variables `grpcTransport()` reads for options not given in code. */
export const GRPC_ENV: readonly EnvVar[] = [
  { name: 'WHARF_GRPC_PORT', option: 'port', kind: 'port', description: 'port to listen on; default 50051, 0 for any free port' },
  { name: 'WHARF_GRPC_HOST', option: 'host', kind: 'host', description: 'interface to bind; default 127.0.0.1, 0.0.0.0 for all' },
  {
    name: 'WHARF_GRPC_ADVERTISE_HOST',
    option: 'advertiseHost',
    kind: 'host',
    description: 'host name registered for other apps, e.g. orders-1',
  },
  {
    name: 'WHARF_GRPC_TIMEOUT_MS',
    option: 'defaultTimeoutMs',
    kind: 'ms',
    description: 'handler time limit when the caller sets no deadline; default 30000',
  },
];

/**
 * The gRPC transport: serves every RPC over gRPC and calls `grpc://` addresses. Options not given
 * here come from `WHARF_GRPC_*` variables (see GRPC_ENV), then the defaults.
 */
export function grpcTransport(options: GrpcTransportOptions = {}): Transport {
  return create(withEnv(options, GRPC_ENV));
}
