// The gateway in one process with its backends: routing over HTTP and gRPC, auth at the edge,
// deadlines, CORS, limits, request ids, in-memory rate limits and the merged OpenAPI document.
import SwaggerParser from '@apidevtools/swagger-parser';
import { type App, memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway } from '@wharf/gateway';
import type { IdentityProvider } from '@wharf/identity-provider';
import { grpcTransport } from '@wharf/transport-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, orders } from './fixtures/contracts.mjs';
import { backends, provider, quiet, SHOP, token } from './helpers.js';

let idp: IdentityProvider;
let services: App[];
let gateway: Gateway;
let limited: Gateway;
let bearer: string;

beforeAll(async () => {
  idp = await provider();
  const registry = memoryRegistry();
  services = await backends(idp, registry);
  const auth = { issuer: idp.issuer, audience: SHOP, jwks: idp.jwksUri };
  gateway = createGateway({
    services: [catalog, orders],
    registry,
    transports: [grpcTransport()],
    auth,
    cors: { origins: ['https://shop.example.com'] },
    http: { port: 0 },
    logger: quiet,
  });
  limited = createGateway({
    name: 'limited',
    services: [catalog],
    registry,
    auth,
    rateLimit: { perIdentity: { rate: 5, burst: 3 }, perIp: { rate: 1000, burst: 1000 } },
    http: { port: 0 },
    logger: quiet,
  });
  await gateway.start();
  await limited.start();
  bearer = `Bearer ${await token(idp)}`;
});

afterAll(async () => {
  await limited?.stop();
  await gateway?.stop();
  for (const app of services ?? []) await app.stop();
  await idp?.close();
});

describe('routing', () => {
  it('a GET route reaches the catalog over HTTP, a POST reaches orders over gRPC; the backend sees the caller', async () => {
    const item = await fetch(`${gateway.url}/v1/items/42`, { headers: { authorization: bearer } });
    expect(item.status).toBe(200);
    expect(await item.json()).toEqual({ id: '42', subject: 'tester', transport: 'http', instance: 'catalog-1' });
    const placed = await fetch(`${gateway.url}/v1/orders/place`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'tea', qty: 2 }),
    });
    expect(await placed.json()).toEqual({ sku: 'tea', qty: 2, subject: 'tester', transport: 'grpc' });
  });

  it('the request id goes through and comes back; a hostile one is replaced', async () => {
    const sent = await fetch(`${gateway.url}/v1/ping`, { headers: { 'x-request-id': 'trace-me-1' } });
    expect(sent.headers.get('x-request-id')).toBe('trace-me-1');
    const hostile = await fetch(`${gateway.url}/v1/ping`, { headers: { 'x-request-id': 'evil\tline' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[\w.:@/+=-]+$/);
  });

  it('bad input is refused at the edge with 400 and never forwarded', async () => {
    const bad = await fetch(`${gateway.url}/v1/orders/place`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'tea', qty: 1000 }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('INVALID_ARGUMENT');
  });

  it('the caller’s deadline travels: a slow backend is cut off at it with 504', async () => {
    const started = Date.now();
    const slow = await fetch(`${gateway.url}/v1/catalog/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-wharf-timeout-ms': '200' },
      body: JSON.stringify({ ms: 3_000 }),
    });
    expect(slow.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('no instance registered → 503 UNAVAILABLE, not a hang', async () => {
    const lonely = createGateway({
      name: 'lonely',
      services: [catalog],
      registry: memoryRegistry(),
      http: { port: 0 },
      logger: quiet,
    });
    await lonely.start();
    try {
      const response = await fetch(`${lonely.url}/v1/ping`);
      expect(response.status).toBe(503);
    } finally {
      await lonely.stop();
    }
  });
});

describe('auth at the edge', () => {
  it('no token → 401 with WWW-Authenticate from the gateway; a token without the scope → 403', async () => {
    const none = await fetch(`${gateway.url}/v1/items/1`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="wharf"');
    const narrow = `Bearer ${await token(idp, 'orders:write')}`;
    const denied = await fetch(`${gateway.url}/v1/items/1`, { headers: { authorization: narrow } });
    expect(denied.status).toBe(403);
  });

  it('a user signed in with the code flow reaches the backend as themselves', async () => {
    const user = await idp.userToken({
      user: 'alice',
      clientId: 'web',
      redirectUri: 'http://127.0.0.1:9/cb',
      resource: SHOP,
      scope: 'catalog:read',
    });
    const item = await fetch(`${gateway.url}/v1/items/7`, { headers: { authorization: `Bearer ${user}` } });
    expect(((await item.json()) as { subject: string }).subject).toBe('alice');
  });
});

describe('edge hardening', () => {
  it('CORS: a listed origin is echoed and its preflight allowed; another origin gets nothing and a 403 preflight', async () => {
    const ok = await fetch(`${gateway.url}/v1/ping`, { headers: { origin: 'https://shop.example.com' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(ok.headers.get('vary')).toContain('Origin');
    const preflight = await fetch(`${gateway.url}/v1/orders/place`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await fetch(`${gateway.url}/v1/ping`, { headers: { origin: 'https://evil.example.com' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const evilPreflight = await fetch(`${gateway.url}/v1/orders/place`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(evilPreflight.status).toBe(403);
  });

  it('limits: a long URL is 414, too many headers 431, a body over the limit 413', async () => {
    expect((await fetch(`${gateway.url}/v1/items/${'x'.repeat(9_000)}`)).status).toBe(414);
    const headers: Record<string, string> = {};
    for (let i = 0; i < 120; i++) headers[`x-h${i}`] = '1';
    expect((await fetch(`${gateway.url}/v1/ping`, { headers })).status).toBe(431);
    const big = await fetch(`${gateway.url}/v1/orders/place`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'x'.repeat(2 * 1024 * 1024), qty: 1 }),
    });
    expect(big.status).toBe(413);
  });
});

describe('rate limits (in memory)', () => {
  it('per identity: the burst passes, then 429 with Retry-After and RateLimit headers; health is exempt', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${limited.url}/v1/items/${i}`, { headers: { authorization: bearer } });
      statuses.push(response.status);
      if (response.status === 429) refused = response;
      else await response.arrayBuffer();
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(refused?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(refused?.headers.get('ratelimit-policy')).toContain('"per-identity";q=3;w=1');
    expect(refused?.headers.get('ratelimit')).toMatch(/^"per-identity";r=0;t=\d+$/);
    expect(((await (refused as Response).json()) as { code: string }).code).toBe('RESOURCE_EXHAUSTED');
    // Another identity has its own bucket.
    const other = `Bearer ${await idp.userToken({ user: 'alice', clientId: 'web', redirectUri: 'http://127.0.0.1:9/cb', resource: SHOP, scope: 'catalog:read' })}`;
    expect((await fetch(`${limited.url}/v1/items/1`, { headers: { authorization: other } })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await fetch(`${limited.url}/health/live`)).status).toBe(200);
  });
});

describe('rate limits per IP', () => {
  it('the IP bucket is taken first: once empty, even calls with valid tokens are refused', async () => {
    const strict = createGateway({
      name: 'strict',
      services: [catalog],
      registry: memoryRegistry(),
      auth: { issuer: idp.issuer, audience: SHOP, jwks: idp.jwksUri },
      rateLimit: { perIp: { rate: 0.5, burst: 2 }, perIdentity: { rate: 100, burst: 100 } },
      http: { port: 0 },
      logger: quiet,
    });
    await strict.start();
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await fetch(`${strict.url}/v1/ping`, { headers: { authorization: bearer } });
        statuses.push(last.status);
        await last.arrayBuffer();
      }
      expect(statuses[2]).toBe(429);
      expect(last?.headers.get('ratelimit')).toMatch(/^"per-ip";r=0;t=\d+$/);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await strict.stop();
    }
  });
});

describe('one OpenAPI document', () => {
  it('merges every service behind the gateway, validates, and marks public operations', async () => {
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as Record<string, unknown> & {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    await SwaggerParser.validate(structuredClone(document) as never);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/v1/catalog/slow',
      '/v1/items/{id}',
      '/v1/notes',
      '/v1/orders/place',
      '/v1/ping',
    ]);
    expect(document.paths['/v1/ping']?.get?.security).toEqual([]);
    expect(document.paths['/v1/items/{id}']?.get?.security).toEqual([{ bearer: ['catalog:read'] }]);
  });
});
