// Per-IP rate limits under a flood of source addresses: once the in-memory table is full, a new
// address must not get a fresh bucket on every request. Clients connect from several loopback
// addresses (127.0.0.0/8 is all this machine), as an attacker rotating addresses would.
import { request } from 'node:http';
import { type App, createApp, implement, memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway, memoryStore } from '@wharf/gateway';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { quiet } from './helpers.js';

let service: App;
let gateway: Gateway;

beforeAll(async () => {
  const registry = memoryRegistry();
  service = createApp({
    name: 'catalog',
    services: [
      implement(catalog, {
        item: ({ id }: { id: string }) => ({ id, subject: '', transport: 'http', instance: 'catalog-1' }),
        slow: () => ({ done: true }),
        ping: () => ({ pong: true }),
        note: () => ({ instance: 'catalog-1' }),
      } as never),
    ],
    transports: [httpTransport({ port: 0 })],
    registry,
    logger: quiet,
    shutdown: { signals: false, timeoutMs: 2_000 },
  });
  await service.start();
  gateway = createGateway({
    services: [catalog],
    registry,
    // One token per address, refilled after ~17 min: a second call from one address is refused.
    rateLimit: { perIp: { rate: 0.001, burst: 1 }, store: memoryStore({ maxKeys: 2 }) },
    http: { port: 0 },
    logger: quiet,
  });
  await gateway.start();
});

afterAll(async () => {
  await gateway?.stop();
  await service?.stop();
});

/** GET /v1/ping from `localAddress`; resolves with the status. */
function ping(localAddress: string): Promise<number> {
  const { hostname, port } = new URL(gateway.url as string);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: '/v1/ping', localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('per-IP limits with the in-memory table full', () => {
  it('an address beyond maxKeys shares the overflow bucket instead of getting a fresh one each time', async () => {
    // Two addresses fill the table, each spending its one token.
    expect(await ping('127.0.0.11')).toBe(200);
    expect(await ping('127.0.0.12')).toBe(200);
    expect(await ping('127.0.0.11')).toBe(429);
    // A third address, repeatedly: at most one call gets through, then it is limited like any other.
    const statuses: number[] = [];
    for (let k = 0; k < 5; k++) statuses.push(await ping('127.0.0.13'));
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    expect(statuses.slice(1)).toEqual([429, 429, 429, 429]);
  });
});
