// Must show 5: releases 1 and 2 of echo live; at a steady load, all traffic to 2, then 90/10, then
// back to 1 — with no failed call, and the 90/10 split measured within ±3 % over 2,000 calls.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireService, serviceUrl } from '@wharf/real-parts';
import type { RouteRule } from '@wharf/registry';
import { describe, expect, it } from 'vitest';
import { echoClient } from './helpers/echo-client.js';
import { steadyLoad } from './helpers/load.js';
import { startEcho } from './helpers/processes.js';

const available = await requireService('etcd', 'blue-green and canary routing');

describe.skipIf(!available)('blue-green and canary through a rule in etcd', () => {
  it('switches, splits 90/10 and switches back under load with 0 failed calls', async () => {
    const url = `etcd://${new URL(serviceUrl('etcd')).host}?namespace=bg-${randomBytes(4).toString('hex')}`;
    const instances = await Promise.all([startEcho(url, '1'), startEcho(url, '2')]);
    const client = await echoClient(url);
    const operator = await echoClient(url); // another process would do the same: `wharf-registry route …`
    const rules = operator.registry.rules;
    if (rules === undefined) throw new Error('etcd:// registries keep rules');
    // Each call counts in the phase that was current when it started.
    let phase = 'mixed';
    const byPhase: Record<string, Record<string, number>> = {};
    const load = steadyLoad(
      async () => {
        const at = phase;
        const { release } = await client.hello();
        byPhase[at] ??= {};
        (byPhase[at] as Record<string, number>)[release] = ((byPhase[at] as Record<string, number>)[release] ?? 0) + 1;
        return release;
      },
      { concurrency: 4 },
    );
    const total = (name: string) => Object.values(byPhase[name] ?? {}).reduce((a, b) => a + b, 0);
    async function apply(name: string, rule: RouteRule, calls: number): Promise<Record<string, number>> {
      await rules?.put('echo', rule);
      // Applied once the client's watched copy has it (no restart, no poll of ours).
      while (JSON.stringify(client.registry.routeRule('echo')) !== JSON.stringify(rule)) await sleep(5);
      phase = name;
      while (total(name) < calls) await sleep(20);
      return { ...byPhase[name] };
    }
    try {
      await (client.registry.lookup('echo') as Promise<unknown>);
      while (total('mixed') < 500) await sleep(20);
      const green = await apply('all to 2', { weights: { '2': 100 } }, 1_000);
      const canary = await apply('90/10', { weights: { '1': 90, '2': 10 } }, 2_000);
      const blue = await apply('back to 1', { weights: { '1': 100 } }, 1_000);
      const counts = await load.stop();
      const share = (canary['1'] ?? 0) / ((canary['1'] ?? 0) + (canary['2'] ?? 0));
      console.log(
        `blue-green: answers by release in each phase ${JSON.stringify({ mixed: byPhase.mixed, 'all to 2': green, '90/10': canary, 'back to 1': blue })}; 90/10 measured ${(share * 100).toFixed(1)} % / ${((1 - share) * 100).toFixed(1)} %; ${counts.ok} calls ok, ${counts.failed} failed`,
      );
      expect(counts.failed).toBe(0);
      expect(byPhase.mixed).toMatchObject({ '1': expect.any(Number), '2': expect.any(Number) });
      expect(Object.keys(green)).toEqual(['2']);
      expect(Object.keys(blue)).toEqual(['1']);
      expect(Math.abs(share - 0.9)).toBeLessThanOrEqual(0.03);
    } finally {
      await load.stop();
      await rules.put('echo', undefined);
      await client.close();
      await operator.close();
      await Promise.all(instances.map((i) => i.kill()));
    }
  });
});
