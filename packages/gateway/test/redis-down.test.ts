// `onStoreError` when Redis is down: the gateway must answer at once as configured (let the call
// through, or 429), not wait for Redis to come back. A private redis-server is killed here; the
// shared one is never touched.
import { type ChildProcess, spawn } from 'node:child_process';
import { type App, createApp, implement, memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway, redisStore } from '@wharf/gateway';
import { portForLater, requireService } from '@wharf/real-parts';
import { httpTransport } from '@wharf/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { quiet } from './helpers.js';

const available = await requireService('redis', 'a private redis-server to kill (the binary tools/services installs)');

let service: App;
let registry: ReturnType<typeof memoryRegistry>;
const gateways: Gateway[] = [];
let redis: ChildProcess | undefined;

async function gatewayOn(url: string, onStoreError: 'allow' | 'deny'): Promise<Gateway> {
  const gateway = createGateway({
    name: `edge-${onStoreError}`,
    services: [catalog],
    registry,
    rateLimit: { perIp: { rate: 100, burst: 100 }, store: redisStore({ redis: url }), onStoreError },
    http: { port: 0 },
    logger: quiet,
  });
  await gateway.start();
  gateways.push(gateway);
  return gateway;
}

/** The status of GET /v1/ping, or 'no answer' when none came within 3 s (Redis waited for). */
async function ping(gateway: Gateway): Promise<number | string> {
  try {
    const response = await fetch(`${gateway.url}/v1/ping`, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'no answer';
  }
}

beforeAll(async () => {
  if (!available) return;
  registry = memoryRegistry();
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
  redis?.kill('SIGKILL');
  for (const gateway of gateways) await gateway.stop();
  await service?.stop();
});

describe.skipIf(!available)('rate limits with Redis down', () => {
  it('Redis never reachable: allow lets calls through, deny refuses them, both at once', { timeout: 30_000 }, async () => {
    const url = `redis://127.0.0.1:${await portForLater()}`;
    const allow = await gatewayOn(url, 'allow');
    const deny = await gatewayOn(url, 'deny');
    expect(await ping(allow)).toBe(200);
    expect(await ping(deny)).toBe(429);
  });

  it('Redis killed while the gateway runs: the next calls are answered without waiting for it', { timeout: 30_000 }, async () => {
    const port = await portForLater();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const gateway = await gatewayOn(`redis://127.0.0.1:${port}`, 'allow');
    // Up: the bucket is taken in Redis (RateLimit headers present).
    let limited = false;
    for (let k = 0; k < 50 && !limited; k++) {
      const response = await fetch(`${gateway.url}/v1/ping`);
      await response.arrayBuffer();
      limited = response.headers.get('ratelimit') !== null;
      if (!limited) await new Promise((r) => setTimeout(r, 100));
    }
    expect(limited).toBe(true);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis?.once('exit', resolve));
    const statuses: (number | string)[] = [];
    for (let k = 0; k < 3; k++) statuses.push(await ping(gateway));
    expect(statuses).toEqual([200, 200, 200]);
  });
});
