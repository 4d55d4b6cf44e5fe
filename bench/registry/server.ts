// The benchmark's server process: `bench` over HTTP and gRPC on free ports; sends its addresses
// to the parent, exits on `stop`.
import { createApp, implement } from '@wharf/core';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { bench, handlers } from './contract.js';

const app = createApp({
  name: 'bench-server',
  services: [implement(bench, handlers)],
  transports: [httpTransport({ port: 0, host: '127.0.0.1' }), grpcTransport({ port: 0, host: '127.0.0.1' })],
  logger: { level: 'silent' },
  requestLog: false,
  shutdown: { signals: false },
});
await app.start();
process.send?.({ type: 'ready', addresses: app.addresses });
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await app.stop();
  process.exit(0);
});
// A parent that died without saying `stop` leaves no server behind.
process.on('disconnect', () => process.exit(0));
