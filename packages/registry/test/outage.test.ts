// Must show 2 (second part): stop the registry for 15 s under load → 0 failed calls (clients use
// their cache), readiness details show it, and the instances are registered again when it
// returns. Private etcd and Eureka servers: the shared ones are never stopped.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceInstance } from '@wharf/core';
import { requireService } from '@wharf/real-parts';
import { etcdClient } from '@wharf/registry';
import { describe, expect, it } from 'vitest';
import { echoClient } from './helpers/echo-client.js';
import { steadyLoad } from './helpers/load.js';
import { eurekaJar, type PrivateServer, privateEtcd, privateEureka } from './helpers/private-servers.js';
import { startEcho } from './helpers/processes.js';

const OUTAGE_MS = 15_000;
// The shared servers' presence says the machine has etcd and the Eureka jar (tools/services).
const etcd = await requireService('etcd', 'the etcd outage test (a private etcd)');
const eureka = await requireService('eureka', 'the Eureka outage test (a private Eureka server)');

/** Load through the registry at `url`, stop `server` for 15 s, start it again; returns what happened. */
async function outage(server: PrivateServer, url: string, registered: () => Promise<number>, label: string) {
  const instances = await Promise.all([startEcho(url), startEcho(url)]);
  const client = await echoClient(url, { breaker: false });
  try {
    await client.registry.lookup('echo');
    for (let i = 0; i < 200 && (client.registry.lookup('echo') as ServiceInstance[]).length < 6; i++) await sleep(50);
    expect((client.registry.lookup('echo') as ServiceInstance[]).length).toBe(6);
    const load = steadyLoad(async () => (await client.hello()).instance, { concurrency: 2, pauseMs: 2 });
    await sleep(2_000);
    await server.stop();
    const stoppedAt = Date.now();
    let sawUnreachable: unknown;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      const health = client.app.health();
      if (health.registry?.reachable === false) sawUnreachable ??= health.registry;
      expect((client.registry.lookup('echo') as ServiceInstance[]).length).toBe(6);
      await sleep(250);
    }
    await server.start();
    const back = Date.now();
    while ((await registered().catch(() => 0)) < 6 && Date.now() - back < 30_000) await sleep(100);
    const reregisteredAfter = Date.now() - back;
    await sleep(1_500);
    const counts = await load.stop();
    console.log(
      `${label} stopped ${OUTAGE_MS / 1000} s: ${counts.ok} calls ok, ${counts.failed} failed ${JSON.stringify(counts.errors)}; readiness showed ${JSON.stringify(sawUnreachable)}; all 6 addresses registered again ${reregisteredAfter} ms after it returned; per instance ${JSON.stringify(counts.byKey)}`,
    );
    expect(counts.failed).toBe(0);
    expect(Object.keys(counts.byKey).length).toBe(2);
    expect(sawUnreachable).toMatchObject({ reachable: false });
    expect(await registered()).toBe(6);
    expect(client.registry.status().reachable).toBe(true);
  } finally {
    await client.close();
    await Promise.all(instances.map((i) => i.kill()));
  }
}

describe('the registry goes away for 15 s under load', () => {
  it.skipIf(!etcd)(
    'etcd: 0 failed calls, instances registered again when it returns',
    async () => {
      const server = await privateEtcd();
      const url = `etcd://${new URL(server.url).host}?namespace=outage&ttl=5`;
      const raw = etcdClient(server.url);
      try {
        const count = async () => Object.keys(await raw.getAll().prefix('/wharf/outage/instances/echo/').strings()).length;
        await outage(server, url, count, 'etcd');
      } finally {
        raw.close();
        await server.dispose();
      }
    },
    90_000,
  );

  it.skipIf(!eureka)(
    'Eureka: 0 failed calls, instances registered again when it returns',
    async () => {
      const jar = eurekaJar();
      if (jar === undefined) throw new Error('No cached Eureka server jar: run tools/services up eureka');
      const server = await privateEureka(jar);
      const url = `eureka://${new URL(server.url).host}/eureka?namespace=outage&fetchMs=300&lease=6`;
      try {
        const count = async () => {
          const response = await fetch(`${server.url}/apps/OUTAGE--ECHO`, { headers: { accept: 'application/json' } });
          if (!response.ok) return 0;
          const body = (await response.json()) as { application?: { instance?: unknown[] } };
          return body.application?.instance?.length ?? 0;
        };
        await outage(server, url, count, 'Eureka');
      } finally {
        await server.dispose();
      }
    },
    150_000,
  );
});
