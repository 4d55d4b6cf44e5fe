import type { ServiceInstance } from '@wharf/core';
import { createRegistry, dnsBackend } from '@wharf/registry';
import dns2 from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './helpers/until.js';

const { Packet } = dns2;

type Answer =
  | { type: 'A' | 'AAAA'; address: string; ttl: number }
  | { type: 'SRV'; target: string; port: number; priority: number; weight: number; ttl: number };

/** A tiny authoritative DNS server on loopback whose zone the test edits, counting queries by name. */
function zoneServer() {
  const zone = new Map<string, Answer[]>();
  const queries = new Map<string, number>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (question === undefined) return void send(response);
      queries.set(question.name, (queries.get(question.name) ?? 0) + 1);
      for (const answer of zone.get(question.name) ?? []) {
        if (Packet.TYPE[answer.type] !== question.type) continue;
        response.answers.push({
          name: question.name,
          class: Packet.CLASS.IN,
          ...answer,
          type: Packet.TYPE[answer.type],
        } as never);
      }
      send(response);
    },
  });
  return { server, zone, queries };
}

const addresses = (instances: unknown) => (instances as ServiceInstance[]).map((i) => i.address).sort();

describe('DNS backend (a DNS server of the test’s own on loopback)', () => {
  const { server, zone, queries } = zoneServer();
  let address = '';

  beforeAll(async () => {
    await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    address = `127.0.0.1:${(server.addresses() as { udp: { port: number } }).udp.port}`;
  });
  afterAll(() => server.close());

  it('SRV records with their targets’ A and AAAA records; refreshed when the TTL runs out', async () => {
    zone.set('_http._tcp.echo.test', [
      { type: 'SRV', target: 'a.echo.test', port: 3001, priority: 0, weight: 3, ttl: 1 },
      { type: 'SRV', target: 'b.echo.test', port: 3002, priority: 0, weight: 1, ttl: 1 },
    ]);
    zone.set('a.echo.test', [{ type: 'A', address: '127.0.0.2', ttl: 1 }]);
    zone.set('b.echo.test', [{ type: 'AAAA', address: '::1', ttl: 1 }]);
    const registry = createRegistry(
      dnsBackend({
        servers: [address],
        services: { echo: { srv: '_http._tcp.echo.test', scheme: 'http', version: '1.4.0' } },
        minRefreshMs: 100,
      }),
    );
    try {
      const found = (await registry.lookup('echo')) as ServiceInstance[];
      expect(addresses(found)).toEqual(['http://127.0.0.2:3001', 'http://[::1]:3002']);
      expect(found.find((i) => i.address.endsWith(':3001'))).toMatchObject({
        version: '1.4.0',
        metadata: { weight: '3', priority: '0' },
      });
      // A pod goes away: gone from the cache within its TTL (1 s) and a bit.
      zone.set('_http._tcp.echo.test', [{ type: 'SRV', target: 'a.echo.test', port: 3001, priority: 0, weight: 3, ttl: 1 }]);
      const started = Date.now();
      const after = await until(
        () => registry.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 1,
      );
      expect(addresses(after)).toEqual(['http://127.0.0.2:3001']);
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await registry.close();
    }
  });

  it('A records of a host name, asked again only when their TTL runs out', async () => {
    zone.set('short.test', [
      { type: 'A', address: '127.0.0.3', ttl: 1 },
      { type: 'A', address: '127.0.0.4', ttl: 1 },
    ]);
    zone.set('long.test', [{ type: 'A', address: '127.0.0.5', ttl: 60 }]);
    const registry = createRegistry(
      dnsBackend({
        servers: [address],
        services: {
          short: { host: 'short.test', port: 4000, scheme: 'grpc' },
          long: { host: 'long.test', port: 4001, scheme: 'http' },
        },
        minRefreshMs: 100,
      }),
    );
    try {
      expect(addresses(await registry.lookup('short'))).toEqual(['grpc://127.0.0.3:4000', 'grpc://127.0.0.4:4000']);
      expect(addresses(await registry.lookup('long'))).toEqual(['http://127.0.0.5:4001']);
      const [shortBefore, longBefore] = [queries.get('short.test') ?? 0, queries.get('long.test') ?? 0];
      // TTL 1 s: asked again about twice (A and AAAA each) by 2 s, waited for up to 3 s rather than
      // read at 2.2 s, when the refresh due at 2 s may still be on its way on a busy machine;
      // TTL 60 s: not at all.
      const asked = await until(
        () => (queries.get('short.test') ?? 0) - shortBefore,
        (n) => n >= 2 * 2,
        3_000,
      );
      expect(asked).toBeGreaterThanOrEqual(2 * 2);
      expect((queries.get('long.test') ?? 0) - longBefore).toBe(0);
    } finally {
      await registry.close();
    }
  });

  it('a service the options do not name has no instances, whatever its name (`constructor` too)', async () => {
    const registry = createRegistry(dnsBackend({ servers: [address], services: {} }));
    try {
      for (const service of ['absent', 'constructor', 'tostring', '__proto__']) {
        expect(await registry.lookup(service)).toEqual([]);
      }
      expect(registry.status()).toMatchObject({ reachable: true });
    } finally {
      await registry.close();
    }
  });

  it('an unreachable DNS server keeps the last known instances and shows in the status', async () => {
    const other = zoneServer();
    await other.server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const port = (other.server.addresses() as { udp: { port: number } }).udp.port;
    other.zone.set('gone.test', [{ type: 'A', address: '127.0.0.6', ttl: 1 }]);
    const registry = createRegistry(
      dnsBackend({
        servers: [`127.0.0.1:${port}`],
        services: { gone: { host: 'gone.test', port: 1, scheme: 'http' } },
        minRefreshMs: 100,
      }),
    );
    try {
      const before = await registry.lookup('gone');
      expect(addresses(before)).toEqual(['http://127.0.0.6:1']);
      await other.server.close();
      await until(
        () => registry.status().reachable,
        (reachable) => !reachable,
        8_000,
      );
      expect(registry.status()).toMatchObject({ backend: 'dns', reachable: false });
      expect(registry.lookup('gone')).toBe(before);
    } finally {
      await registry.close();
    }
  });
});
