// The public grpcTransport(): the runtime transport with WHARF_GRPC_* options underneath, no server
// for an app without RPCs, and one clear error for a port in use.
import { createServer } from 'node:net';
import type { Transport } from '@wharf/core';
import { type EnvVar, type TransportContext, withEnv } from '@wharf/core/transport';
import { DEFAULTS, type GrpcTransportOptions } from './runtime/options.js';
import { grpcTransport as create } from './runtime/transport.js';

/** The variables `grpcTransport()` reads for options not given in code. */
export const GRPC_ENV: readonly EnvVar[] = [
  {
    name: 'WHARF_GRPC_PORT',
    option: 'port',
    kind: 'port',
    description: 'port to listen on; default 0, any free port (the registry publishes it)',
  },
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
  const settings = withEnv(options, GRPC_ENV);
  const transport = create(settings);
  let context: TransportContext | undefined;
  return {
    ...transport,
    attach(given) {
      context = given;
      transport.attach?.(given);
    },
    async listen(host) {
      // An app whose services only handle events has nothing to serve over gRPC: no server, no port.
      if (host.rpcs.length === 0) {
        context?.logger.debug('No RPC to serve: the gRPC transport only calls out');
        return [];
      }
      await refuseTakenPort(settings.host ?? DEFAULTS.host, settings.port ?? DEFAULTS.port);
      return transport.listen!(host);
    },
  };
}

/**
 * Binding a taken port makes grpc-js log and throw its own repeated text; trying first with a
 * plain socket gives one clear error before grpc-js is involved.
 */
function refuseTakenPort(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return resolve(); // anything else: let grpc-js say it
      reject(
        new Error(
          `gRPC cannot listen on ${host}:${port}: the port is in use (another process, or another app in this one). ` +
            'Choose another with grpcTransport({ port }) or WHARF_GRPC_PORT, or 0 for any free port.',
        ),
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
