// An HTTP server app whose `flaky` service fails on demand, and a client app wired with the full
// resilient client stack against it (no registry server: a static backend holds its address).
import { type App, createApp, defineContract, implement, type ServiceInstance, WharfError } from '@wharf/core';
import { createRegistry, type ResilientClientOptions, resilientClient, staticBackend } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import * as z from 'zod';

export const flaky = defineContract({
  name: 'flaky',
  version: '1.0.0',
  methods: {
    read: { idempotent: true, input: z.object({}), output: z.object({ from: z.string() }) },
    write: { input: z.object({}), output: z.object({ from: z.string() }) },
  },
});

/** How the server answers: `ok`, `unavailable` (transient), `not-found` (a business error). */
export type Mode = 'ok' | 'unavailable' | 'not-found';

/** A flaky server: its mode can change, and it counts the calls its handlers saw. */
export interface FlakyServer {
  readonly app: App;
  readonly address: string;
  mode: Mode;
  handled: number;
}

export async function startFlaky(name: string, mode: Mode = 'ok'): Promise<FlakyServer> {
  const server = { mode, handled: 0 } as FlakyServer;
  const answer = () => {
    server.handled++;
    if (server.mode === 'unavailable') throw new WharfError('UNAVAILABLE', `${name} is failing`);
    if (server.mode === 'not-found') throw new WharfError('NOT_FOUND', 'No such thing');
    return { from: name };
  };
  const app = createApp({
    name,
    services: [implement(flaky, { read: answer, write: answer })],
    transports: [httpTransport({ port: 0, host: '127.0.0.1' })],
    logger: { level: 'silent' },
    requestLog: false,
    shutdown: { signals: false },
  });
  await app.start();
  return Object.assign(server, { app, address: app.addresses.find((a) => a.startsWith('http://')) as string });
}

/** A client app that finds `servers` through a static registry and uses the resilient stack. */
export async function flakyClient(servers: readonly FlakyServer[], options: Omit<ResilientClientOptions, 'registry'> = {}) {
  const instances: ServiceInstance[] = servers.map((s, i) => ({
    id: `flaky-${i}`,
    service: 'flaky',
    version: '1.0.0',
    address: s.address,
  }));
  const stack = resilientClient({ registry: createRegistry(staticBackend({ instances })), ...options });
  const app = createApp({
    name: 'client',
    transports: [httpTransport()],
    ...stack,
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
  return { app, stack, client: app.client(flaky) };
}
