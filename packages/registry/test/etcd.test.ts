import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ServiceInstance } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { createRegistry, etcdBackend, etcdClient, etcdRules, registryFromUrl } from '@wharf/registry';
import { describe, expect, it } from 'vitest';
import { until } from './helpers/until.js';

const available = await requireService('etcd', 'the etcd registry backend');
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = promisify(execFile);

const instance = (id: string, port: number, release = '1'): ServiceInstance => ({
  id,
  service: 'echo',
  version: '1.0.0',
  address: `http://127.0.0.1:${port}`,
  metadata: { release, instance: id },
});

describe.skipIf(!available)('etcd backend (shared etcd, a namespace per run)', () => {
  const hosts = serviceUrl('etcd');

  it('registers on a lease, pushes changes to watchers, deregisters; the cache answers synchronously', async () => {
    const namespace = `test-${randomBytes(4).toString('hex')}`;
    const server = createRegistry(etcdBackend({ hosts, namespace, leaseTtlSeconds: 5 }));
    const client = createRegistry(etcdBackend({ hosts, namespace }));
    try {
      expect(await client.lookup('echo')).toEqual([]);
      const seen: number[] = [];
      client.watch?.('echo', (instances) => seen.push(instances.length));
      await server.register(instance('a', 1001));
      await server.register(instance('b', 1002));
      const two = await until(
        () => client.lookup('echo'),
        (i) => Array.isArray(i) && i.length === 2,
      );
      expect(Array.isArray(two)).toBe(true);
      expect((two as ServiceInstance[]).map((i) => i.address).sort()).toEqual(['http://127.0.0.1:1001', 'http://127.0.0.1:1002']);
      expect(client.lookup('echo')).toBe(two); // the same array until the set changes
      await server.deregister('a');
      await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 1,
      );
      expect(seen.at(-1)).toBe(1);
      expect(client.status()).toEqual({ backend: 'etcd', reachable: true });
    } finally {
      await server.close();
      await client.close();
    }
  });

  it('a closed lease withdraws every instance at once; a lost lease is granted again', async () => {
    const namespace = `test-${randomBytes(4).toString('hex')}`;
    const server = createRegistry(etcdBackend({ hosts, namespace, leaseTtlSeconds: 2 }));
    const client = createRegistry(etcdBackend({ hosts, namespace }));
    const raw = etcdClient(hosts);
    try {
      await server.register(instance('a', 1001));
      await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 1,
      );
      // Revoke the lease behind the backend's back: it must notice and register again.
      const leases = await raw.leaseClient.leaseLeases({});
      for (const { ID } of leases.leases) {
        const keys = await raw.leaseClient.leaseTimeToLive({ ID, keys: true });
        if (keys.keys.some((k) => k.toString().includes(namespace))) await raw.leaseClient.leaseRevoke({ ID });
      }
      await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 0,
        5_000,
      );
      const back = await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 1,
        10_000,
      );
      expect((back as ServiceInstance[]).length).toBe(1);
      await server.close();
      await until(
        () => client.lookup('echo'),
        (i) => (i as ServiceInstance[]).length === 0,
        5_000,
      );
      expect(client.lookup('echo')).toEqual([]);
    } finally {
      raw.close();
      await client.close();
    }
  });

  it('routing rules are watched; wharf-registry list, route, switch and drain manage them', async () => {
    const namespace = `test-${randomBytes(4).toString('hex')}`;
    const url = `etcd://${new URL(hosts).host}?namespace=${namespace}`;
    const server = createRegistry(etcdBackend({ hosts, namespace }));
    const client = registryFromUrl(url);
    const cli = async (...args: string[]) => (await run(process.execPath, [CLI, ...args, '--registry', url])).stdout.trim();
    try {
      await server.register(instance('app-1:echo', 1001, '1'));
      await server.register(instance('app-2:echo', 1002, '2'));
      expect(client.routeRule('echo')).toBeUndefined();
      const listed = await cli('list');
      expect(listed.split('\n')).toEqual([
        'echo\t1.0.0\trelease=1\thttp://127.0.0.1:1001\tinstance=app-1:echo',
        'echo\t1.0.0\trelease=2\thttp://127.0.0.1:1002\tinstance=app-2:echo',
      ]);
      expect(await cli('route', 'echo', '--weights', '1=90,2=10')).toBe('rule echo: {"1":90,"2":10}');
      expect(
        await until(
          () => client.routeRule('echo'),
          (r) => r !== undefined,
        ),
      ).toEqual({ weights: { '1': 90, '2': 10 } });
      await cli('switch', 'echo', '2');
      expect(
        await until(
          () => client.routeRule('echo'),
          (r) => r?.weights?.['2'] === 100,
        ),
      ).toEqual({ weights: { '2': 100 } });
      await cli('drain', 'app-1:echo');
      expect(
        await until(
          () => client.routeRule('echo'),
          (r) => r?.drained !== undefined,
        ),
      ).toEqual({
        weights: { '2': 100 },
        drained: ['app-1:echo'],
      });
      expect(await cli('list', 'echo')).toContain('rule echo: {"2":100} drained=app-1:echo');
      await cli('drain', 'app-1:echo', '--undo');
      expect(
        await until(
          () => client.routeRule('echo'),
          (r) => r?.drained?.length === 0,
        ),
      ).toMatchObject({ drained: [] });
      await expect(run(process.execPath, [CLI, 'route', 'echo', '--weights', '1=x', '--registry', url])).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('Cannot read the weight "1=x"'),
      });
      await expect(run(process.execPath, [CLI, 'drain', 'nobody', '--registry', url])).rejects.toMatchObject({ code: 2 });
    } finally {
      const rules = etcdRules({ hosts, namespace });
      await rules.put('echo', undefined);
      await rules.close?.();
      await server.close();
      await client.close();
    }
  });
});
