// One image for every part: WHARF_SERVICE picks what this process runs — users, orders, gateway,
// or all three (the default).
import { createApp } from '@wharf/core';
import { createGateway } from '@wharf/gateway';
import { registryFromUrl } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { orders, users } from './contracts.js';
import { Orders } from './orders.js';
import { Users } from './users.js';

const which = process.env.WHARF_SERVICE ?? 'all';
const parts = which === 'all' ? ['users', 'orders', 'gateway'] : [which];
for (const part of parts) {
  if (!['users', 'orders', 'gateway'].includes(part))
    throw new Error(`WHARF_SERVICE=${which}: expected users, orders, gateway or all`);
}

// Where the parts find each other. Default: a fixed list for running them on this machine;
// WHARF_REGISTRY=etcd://127.0.0.1:2379 (or eureka://…) in a real deployment, where each instance
// registers itself.
const ports = {
  gateway: Number(process.env.GATEWAY_PORT ?? 8080),
  users: Number(process.env.USERS_PORT ?? 3001),
  orders: Number(process.env.ORDERS_PORT ?? 3002),
};
const registry = registryFromUrl(
  process.env.WHARF_REGISTRY ??
    `static:users@1.0.0=http://127.0.0.1:${ports.users};orders@1.0.0=http://127.0.0.1:${ports.orders}`,
);

const running: { start(): Promise<void>; stop(): Promise<void> }[] = [];
const services = { users: () => new Users(), orders: () => new Orders() };
for (const part of parts) {
  if (part === 'gateway') {
    // The public edge: the services' own routes on one port, checked against the contracts, one
    // OpenAPI document at /openapi.json and Swagger UI at /docs.
    running.push(createGateway({ services: [users, orders], registry, http: { port: ports.gateway } }));
    continue;
  }
  const name = part as keyof typeof services;
  running.push(
    createApp({
      name,
      services: [services[name]()],
      transports: [httpTransport({ port: ports[name] })],
      registry,
      shutdown: { signals: false }, // one handler below stops every part, then the registry
    }),
  );
}
for (const part of running) await part.start();

const stop = async () => {
  await Promise.all(running.map((part) => part.stop()));
  await registry.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
