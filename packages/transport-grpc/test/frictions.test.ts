import { createApp, defineContract, implement, on } from '@wharf/core';
import { grpcTransport } from '@wharf/transport-grpc';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

const ping = defineContract({
  name: 'ping',
  version: '1.0.0',
  methods: { ping: { input: z.object({}), output: z.object({}) } },
});
const quiet = { logger: { level: 'silent' }, shutdown: { signals: false as const } };

describe('gRPC start-up', () => {
  it('a port in use is one clear error naming the port and what to do, with nothing from grpc-js on the console', async () => {
    const first = createApp({
      services: [implement(ping, { ping: async () => ({}) })],
      transports: [grpcTransport({ port: 0 })],
      ...quiet,
    });
    await first.start();
    const port = Number(new URL(first.addresses.find((a) => a.startsWith('grpc:'))!).port);
    const printed = vi.spyOn(console, 'error');
    const second = createApp({
      services: [implement(ping, { ping: async () => ({}) })],
      transports: [grpcTransport({ port })],
      ...quiet,
    });
    await expect(second.start()).rejects.toThrow(
      `gRPC cannot listen on 127.0.0.1:${port}: the port is in use (another process, or another app in this one). Choose another with grpcTransport({ port }) or WHARF_GRPC_PORT, or 0 for any free port.`,
    );
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();
    await first.stop();
  });

  it('an app whose services only handle events opens no gRPC server', async () => {
    const events = defineContract({ name: 'audit', version: '1.0.0', methods: {}, events: { seen: { payload: z.object({}) } } });
    const service = implement(events, {}, { on: { onSeen: on('audit.seen', { input: z.object({}), handler: async () => {} }) } });
    const app = createApp({ services: [service], transports: [grpcTransport({ port: 0 })], ...quiet });
    await app.start();
    expect(app.addresses.filter((a) => a.startsWith('grpc:'))).toEqual([]);
    await app.stop();
  });
});
