import { createApp } from '@wharf/core';
import { httpTransport } from '@wharf/transport-http';
import { Greeter } from './greeter.js';

// Port, host, log level and format come from WHARF_* variables (README); options here win over them.
const app = createApp({ name: '{{name}}', services: [new Greeter()], transports: [httpTransport()] });
await app.start(); // POST /v1/greeter/greet; /openapi.json, /docs, /health/ready. Ctrl-C drains and stops.
