// Must show 1: three processes, no address configured: two echo instances and a caller find each
// other through etcd, and separately through Eureka; the calls spread over both instances.
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';
import { startEcho, startFixture } from './helpers/processes.js';

const etcd = await requireService('etcd', 'discovery across processes through etcd');
const eureka = await requireService('eureka', 'discovery across processes through Eureka');

async function threeProcesses(registry: string, label: string) {
  const instances = await Promise.all([startEcho(registry, '1'), startEcho(registry, '1')]);
  try {
    const caller = startFixture('caller.mjs', { WHARF_REGISTRY: registry, CALLS: '400', INSTANCES: '2' });
    const result = (await caller.firstJson) as {
      byInstance: Record<string, number>;
      failures: number;
      registered: Record<string, number>;
    };
    await caller.exited;
    console.log(`${label}: ${JSON.stringify(result)}`);
    expect(result.failures).toBe(0);
    expect(Object.keys(result.byInstance).sort()).toEqual(instances.map((i) => i.instance).sort());
    for (const count of Object.values(result.byInstance)) expect(count).toBeGreaterThan(400 * 0.3);
    // Every address each instance serves is advertised: HTTP, gRPC (and its in-process one).
    expect(result.registered).toEqual({ grpc: 2, http: 2, memory: 2 });
  } finally {
    await Promise.all(instances.map((i) => i.kill()));
  }
}

describe('three processes, no address configured', () => {
  it.skipIf(!etcd)('find each other through etcd; calls spread over both instances', async () => {
    const namespace = `procs-${randomBytes(4).toString('hex')}`;
    await threeProcesses(`etcd://${new URL(serviceUrl('etcd')).host}?namespace=${namespace}`, 'etcd');
  });

  it.skipIf(!eureka)('find each other through Eureka; calls spread over both instances', async () => {
    const namespace = `procs${randomBytes(4).toString('hex')}`;
    const url = new URL(serviceUrl('eureka'));
    await threeProcesses(`eureka://${url.host}${url.pathname}?namespace=${namespace}&fetchMs=300&lease=6`, 'eureka');
  });
});
