// Must show 2 (first part): under steady load, SIGKILL one of three instances. Failures are limited
// to calls in flight on it, none for idempotent calls (retried elsewhere), and the dead instance
// leaves etcd within its lease TTL. Uses the shared etcd (nothing here stops it).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceInstance } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';
import { echoClient } from './helpers/echo-client.js';
import { steadyLoad } from './helpers/load.js';
import { startEcho } from './helpers/processes.js';

const available = await requireService('etcd', 'the SIGKILL fault test');
const TTL = 3;

describe.skipIf(!available)('SIGKILL one of three instances under load (etcd)', () => {
  it('fails only calls in flight on it, no idempotent call, and it leaves etcd within its lease TTL', async () => {
    const url = `etcd://${new URL(serviceUrl('etcd')).host}?namespace=kill-${randomBytes(4).toString('hex')}&ttl=${TTL}`;
    const instances = await Promise.all([startEcho(url), startEcho(url), startEcho(url)]);
    const client = await echoClient(url, { breaker: false });
    try {
      await client.registry.lookup('echo'); // the first lookup loads the cache; later ones answer from it
      const listed = () => client.registry.lookup('echo') as readonly ServiceInstance[];
      for (let i = 0; i < 100 && listed().length < 9; i++) await sleep(50);
      expect(listed().length).toBe(9);
      const reads = steadyLoad(async () => (await client.hello()).instance, { concurrency: 3 });
      const writes = steadyLoad(async () => (await client.write(20)).instance, { concurrency: 3 });
      await sleep(1_500);

      const victim = instances[0] as (typeof instances)[number];
      const addresses = listed()
        .filter((i) => i.metadata?.instance === victim.instance)
        .map((i) => i.address);
      const inFlightOnVictim = () => addresses.reduce((sum, address) => sum + client.stack.stats.inFlight(address), 0);
      // Calls sent to it while the signal was on its way were in flight on it too: count those
      // that begin on its addresses from the kill until its exit is seen.
      let sentWhileDying = 0;
      let dying = false;
      const stats = client.stack.stats;
      const begin = stats.begin.bind(stats);
      stats.begin = (address: string) => {
        if (dying && addresses.includes(address)) sentWhileDying++;
        begin(address);
      };
      const before = inFlightOnVictim();
      const killedAt = Date.now();
      dying = true;
      const exited = victim.kill('SIGKILL');
      await exited;
      dying = false;
      const inFlight = before + sentWhileDying;
      let goneAfter = Number.NaN;
      while (Date.now() - killedAt < (TTL + 3) * 1000) {
        if (!listed().some((i) => i.metadata?.instance === victim.instance)) {
          goneAfter = Date.now() - killedAt;
          break;
        }
        await sleep(25);
      }
      await sleep(1_500);
      const [r, w] = [await reads.stop(), await writes.stop()];
      console.log(
        `SIGKILL: ${inFlight} calls in flight on the victim (${before} at the kill, ${sentWhileDying} sent before its exit was seen); idempotent ${r.ok} ok / ${r.failed} failed; writes ${w.ok} ok / ${w.failed} failed ${JSON.stringify(w.errors)}; left etcd ${goneAfter} ms after the kill (lease TTL ${TTL} s)`,
      );
      expect(r.failed).toBe(0);
      expect(w.failed).toBeLessThanOrEqual(inFlight);
      expect(goneAfter).toBeLessThanOrEqual(TTL * 1000 + 500);
      // The survivors took the load.
      expect(Object.keys(r.byKey)).toEqual(expect.arrayContaining(instances.slice(1).map((i) => i.instance)));
    } finally {
      await client.close();
      await Promise.all(instances.map((i) => i.kill()));
    }
  });
});
