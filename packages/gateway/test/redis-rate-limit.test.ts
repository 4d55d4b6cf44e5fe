// Must show 4 (rate limit): two gateway instances share one token bucket per identity in Redis;
// over 10 s of load on both, the calls let through are within ±5 % of burst + rate × time.
import { randomBytes } from 'node:crypto';
import { type App, memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway, redisStore } from '@wharf/gateway';
import type { IdentityProvider } from '@wharf/identity-provider';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { backends, provider, quiet, SHOP, token } from './helpers.js';

const available = await requireService('redis', 'the gateway’s shared rate limits');
// A bucket that holds three seconds of tokens: a stall of the load generator shorter than that (a
// busy shared machine) loses none, so burst + rate × time is what a continuous demand must get.
const RATE = 50; // per second
const BURST = 150;
const WINDOW_MS = 10_000;
const CONCURRENCY = 4; // per gateway: enough to ask for several times the limit on 2 cores

let idp: IdentityProvider;
let services: App[];
const gateways: Gateway[] = [];

beforeAll(async () => {
  if (!available) return;
  idp = await provider();
  const registry = memoryRegistry();
  services = await backends(idp, registry);
  const prefix = `wharf-test:${randomBytes(4).toString('hex')}:`;
  for (const name of ['edge-a', 'edge-b']) {
    const gateway = createGateway({
      name,
      services: [catalog],
      registry,
      auth: { issuer: idp.issuer, audience: SHOP, jwks: idp.jwksUri },
      rateLimit: { perIdentity: { rate: RATE, burst: BURST }, store: redisStore({ redis: serviceUrl('redis'), prefix }) },
      http: { port: 0 },
      logger: quiet,
    });
    await gateway.start();
    gateways.push(gateway);
  }
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  for (const app of services ?? []) await app.stop();
  await idp?.close();
});

describe.skipIf(!available)('rate limits shared through Redis', () => {
  it(`two gateways, one identity, ${WINDOW_MS / 1000} s: allowed = burst + rate × time ± 5 %`, { timeout: 60_000 }, async () => {
    const authorization = `Bearer ${await token(idp, 'catalog:read')}`;
    const pools = gateways.map((g) => new Pool(g.url as string, { connections: CONCURRENCY }));
    // Warm up (keys fetched, connections open), then let the bucket fill again before the window.
    for (const pool of pools)
      await (await pool.request({ path: '/v1/ping', method: 'GET', headers: { authorization } })).body.dump();
    for (const pool of pools)
      await (await pool.request({ path: '/v1/items/0', method: 'GET', headers: { authorization } })).body.dump();
    await new Promise((r) => setTimeout(r, (BURST / RATE) * 1000 + 500));
    const counts = new Map<number, number>();
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    const deadline = Date.now() + WINDOW_MS;
    const worker = async (pool: Pool) => {
      while (Date.now() < deadline) {
        const sent = Date.now();
        first = Math.min(first, sent);
        last = Math.max(last, sent);
        const { statusCode, body } = await pool.request({ path: '/v1/items/1', method: 'GET', headers: { authorization } });
        await body.dump();
        counts.set(statusCode, (counts.get(statusCode) ?? 0) + 1);
      }
    };
    await Promise.all(pools.flatMap((pool) => Array.from({ length: CONCURRENCY }, () => worker(pool))));
    await Promise.all(pools.map((p) => p.close()));
    const allowed = counts.get(200) ?? 0;
    const refused = counts.get(429) ?? 0;
    const seconds = (last - first) / 1000;
    const expected = BURST + RATE * seconds;
    console.log(
      `shared bucket: ${allowed} allowed, ${refused} refused over ${seconds.toFixed(2)} s; expected ${expected.toFixed(0)} (${((allowed / expected - 1) * 100).toFixed(2)} %)`,
    );
    expect([...counts.keys()].sort()).toEqual([200, 429]); // nothing else: no server error
    expect(refused).toBeGreaterThan(allowed); // the load asked for well over the limit
    expect(Math.abs(allowed / expected - 1)).toBeLessThanOrEqual(0.05);
  });
});
