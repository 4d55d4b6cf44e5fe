// Serves the greeter over the example TCP transport, then calls it through a second app.
import { createApp, memoryRegistry } from '@wharf/core';
import { Greeter, greeter } from '@wharf/example-greeter';
import { tcpTransport } from './tcp-transport.js';

const registry = memoryRegistry(); // shared, so the client app finds the server's tcp:// address
const server = createApp({ name: 'greeter', services: [new Greeter()], transports: [tcpTransport({ port: 4100 })], registry });
await server.start();

const client = createApp({ name: 'caller', transports: [tcpTransport()], registry, shutdown: { signals: false } });
console.log(await client.client(greeter).greet({ name: 'TCP', language: 'de' }));
await client.stop();
await server.stop();
