// "Health routes are never limited": wherever the gateway's HTTP options put them — under a prefix
// written with a trailing slash, or at paths of their own — probes must not get 429 once a
// per-IP bucket is empty (a liveness probe refused that way restarts a healthy gateway).
import { type App, createApp, implement, memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway } from '@wharf/gateway';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { quiet } from './helpers.js';

let service: App;
const gateways: Gateway[] = [];
const registry = memoryRegistry();

beforeAll(async () => {
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
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await service?.stop();
});

async function limitedGateway(http: Parameters<typeof createGateway>[0]['http']): Promise<Gateway> {
  const gateway = createGateway({
    name: 'edge',
    services: [catalog],
    registry,
    // One call per address, then the bucket is empty for ~17 min.
    rateLimit: { perIp: { rate: 0.001, burst: 1 } },
    http: { port: 0, ...http },
    logger: quiet,
  });
  await gateway.start();
  gateways.push(gateway);
  return gateway;
}

async function statuses(gateway: Gateway, paths: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const path of paths) {
    const response = await fetch(`${gateway.url}${path}`);
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

describe('health routes at the gateway are never rate limited', () => {
  it('under a prefix written with a trailing slash', async () => {
    const gateway = await limitedGateway({ prefix: '/api/' });
    // The gateway's url ends with its prefix.
    expect(gateway.url?.endsWith('/api')).toBe(true);
    expect(await statuses(gateway, ['/v1/ping', '/v1/ping'])).toEqual([200, 429]);
    expect(await statuses(gateway, ['/health/live', '/health/ready', '/health/live'])).toEqual([200, 200, 200]);
  });

  it('at paths of their own', async () => {
    const gateway = await limitedGateway({ health: { live: '/livez', ready: '/readyz' } });
    expect(await statuses(gateway, ['/v1/ping', '/v1/ping'])).toEqual([200, 429]);
    expect(await statuses(gateway, ['/livez', '/readyz', '/livez'])).toEqual([200, 200, 200]);
  });
});
