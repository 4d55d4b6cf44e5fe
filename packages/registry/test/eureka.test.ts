import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceInstance } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { createRegistry, eurekaBackend } from '@wharf/registry';
import { describe, expect, it } from 'vitest';
import { until } from './helpers/until.js';

const available = await requireService('eureka', 'the Eureka registry backend');

describe.skipIf(!available)('Eureka backend (the shared Eureka server, a namespace per run)', () => {
  const url = serviceUrl('eureka');

  it('registers, renews, fetches deltas, and cancels on shutdown', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const server = createRegistry(eurekaBackend({ url, namespace, leaseSeconds: 6 }));
    const client = createRegistry(eurekaBackend({ url, namespace, fetchIntervalMs: 200 }));
    const at = (port: number, id: string): ServiceInstance => ({
      id: `${id}:echo@1:http://127.0.0.1:${port}`,
      service: 'echo',
      version: '1.2.0',
      address: `http://127.0.0.1:${port}`,
      metadata: { release: 'blue', instance: id },
    });
    try {
      expect(await client.lookup('echo')).toEqual([]);
      await server.register(at(1001, 'a'));
      await server.register(at(1002, 'b'));
      const two = (await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 2,
      )) as ServiceInstance[];
      expect(two.map((i) => i.address).sort()).toEqual(['http://127.0.0.1:1001', 'http://127.0.0.1:1002']);
      expect(two.find((i) => i.address.endsWith(':1001'))).toEqual(at(1001, 'a'));

      // Eureka sees the app under the namespace, with the instance's metadata.
      const app = await (
        await fetch(`${url}/apps/${namespace.toUpperCase()}--ECHO`, { headers: { accept: 'application/json' } })
      ).json();
      expect(JSON.stringify(app)).toContain('"wharf.address":"http://127.0.0.1:1001"');

      // Renewals keep it past its lease (6 s) — and a cancel removes it at once.
      await sleep(7_000);
      expect((client.lookup('echo') as ServiceInstance[]).length).toBe(2);
      await server.deregister(at(1001, 'a').id);
      await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 1,
      );
      expect((client.lookup('echo') as ServiceInstance[])[0]?.address).toBe('http://127.0.0.1:1002');
      await server.close();
      await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 0,
      );
      expect(client.lookup('echo')).toEqual([]);
      expect(client.status()).toEqual({ backend: 'eureka', reachable: true });
    } finally {
      await server.close();
      await client.close();
    }
  });

  it('an unreachable server shows in the registry status (readiness details)', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const server = createRegistry(eurekaBackend({ url, namespace }));
    await server.register({ id: 'x', service: 'echo', version: '1.0.0', address: 'http://127.0.0.1:1003' });
    const client = createRegistry(eurekaBackend({ url: 'http://127.0.0.1:9/eureka', namespace, fetchIntervalMs: 100 }));
    try {
      // Nothing known yet, and nothing reachable: the first lookup gives up after its wait.
      expect(await client.lookup('echo')).toEqual([]);
      expect(client.status()).toMatchObject({ backend: 'eureka', reachable: false });
      expect(client.status().detail).toContain('serving the last known instances');
    } finally {
      await server.close();
      await client.close();
    }
  });

  it('listing from something that is not a Eureka server fails with its HTTP status, not a JSON parse error', async () => {
    const server = createServer((_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>down</h1>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const backend = eurekaBackend({ url: `http://127.0.0.1:${port}/eureka` });
    try {
      await expect(backend.list?.()).rejects.toThrow(/HTTP 503/);
    } finally {
      await backend.close();
      server.close();
    }
  });
});
