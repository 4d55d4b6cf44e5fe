// One image for both services: WHARF_SERVICE picks which this process runs (users, orders, or all).
import { createApp } from '@wharf/core';
import { registryFromUrl } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { Orders } from './orders.js';
import { Users } from './users.js';

const which = process.env.WHARF_SERVICE ?? 'all';
const known = { users: () => new Users(), orders: () => new Orders() };
const names = which === 'all' ? (Object.keys(known) as (keyof typeof known)[]) : [which];
for (const name of names) {
  if (!(name in known)) throw new Error(`WHARF_SERVICE=${which}: expected users, orders or all`);
}

// Where services find each other. Default: a fixed list for running both on this machine;
// WHARF_REGISTRY=etcd://127.0.0.1:2379 (or eureka://…) in a real deployment.
const ports = { users: Number(process.env.USERS_PORT ?? 3001), orders: Number(process.env.ORDERS_PORT ?? 3000) };
const registry = registryFromUrl(
  process.env.WHARF_REGISTRY ??
    `static:users@1.0.0=http://127.0.0.1:${ports.users};orders@1.0.0=http://127.0.0.1:${ports.orders}`,
);

const apps = names.map((name) =>
  createApp({
    name,
    services: [known[name as keyof typeof known]()],
    transports: [httpTransport({ port: ports[name as keyof typeof known] })],
    registry,
    shutdown: { signals: false }, // one handler below stops both apps, then the registry
  }),
);
for (const app of apps) await app.start();

const stop = async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await registry.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
