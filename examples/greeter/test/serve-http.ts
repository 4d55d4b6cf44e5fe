// The greeter served over HTTP on a free port, for the tests that call it from outside.
import { type App, createApp } from '@wharf/core';
import { httpTransport } from '@wharf/transport-http';
import { Greeter } from '../src/greeter.js';

/** Starts the greeter over HTTP on a free port; `url` is its base address. */
export async function serveGreeterOverHttp(): Promise<{ app: App; url: string }> {
  const transport = httpTransport({ port: 0 });
  const app = createApp({
    name: 'greeter',
    services: [new Greeter()],
    transports: [transport],
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
  return { app, url: transport.address as string };
}
