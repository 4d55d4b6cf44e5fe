// A client app in the test process, wired with the resilient client stack, calling `echo`.
import { createApp, type RpcRef } from '@wharf/core';
import { type ResilientClientOptions, registryFromUrl, resilientClient } from '@wharf/registry';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';

interface Echo {
  readonly methods: { readonly hello: RpcRef; readonly write: RpcRef };
}

// The contract lives in the fixtures (plain JS, shared with the child processes).
const contractUrl = new URL('../fixtures/contract.mjs', import.meta.url).href;
const { echoContract } = (await import(contractUrl)) as { echoContract: (version?: string) => Echo };

/** The echo contract's references. */
export const echo = echoContract();

/** What an echo answers. */
export interface Who {
  readonly instance: string;
  readonly release: string;
}

/** A client of `echo` through the registry at `url` (etcd://…, eureka://…). */
export async function echoClient(url: string, options: Omit<ResilientClientOptions, 'registry'> = {}) {
  const registry = registryFromUrl(url);
  const stack = resilientClient({ registry, ...options });
  const app = createApp({
    name: 'load',
    transports: [grpcTransport(), httpTransport()],
    ...stack,
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
  return {
    app,
    stack,
    registry,
    hello: (name = 'x') => app.call(echo.methods.hello, { name }) as Promise<Who>,
    write: (ms = 0) => app.call(echo.methods.write, { name: 'x', ms }) as Promise<Who>,
    async close() {
      await app.stop();
      stack.breakers?.close();
      await registry.close();
    },
  };
}
