import { createApp, type Transport } from '@wharf/core';
import { Greeter } from './greeter.js';

// Each transport serves the same Greeter; the handler code does not know which one called it.
const transports: Transport[] = [];

const app = createApp({ name: 'greeter', services: [new Greeter()], transports });
await app.start();
app.logger.info({ addresses: app.addresses }, 'greeter is up; Ctrl-C drains and stops it');
