// Per-key order across rebalances: a second instance joins mid-stream and the first one leaves
// (a graceful stop) while events of 20 keys keep coming; each key's events are handled in the
// order they were emitted, none is missing, and both instances did part of the work.
import { type App, type Context, defineContract, On, Service } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  Apps,
  deleteNamespace,
  eventually,
  installCrashGuard,
  kafkaAvailable,
  sharedDedupe,
  uniqueNamespace,
} from './helpers/kafka.js';

const accounts = defineContract({
  name: 'accounts',
  version: '1.0.0',
  methods: {},
  events: { moved: { payload: z.object({ account: z.string(), seq: z.number().int() }), key: 'account' } },
});

const handled: { instance: string; account: string; seq: number }[] = [];

@Service({ name: 'ledger', version: '1.0.0' })
class Ledger {
  constructor(readonly instance: string) {}

  @On(accounts.events.moved)
  async onMoved(payload: { account: string; seq: number }, _ctx: Context) {
    await new Promise((resolve) => setTimeout(resolve, 2)); // a little work in flight at each rebalance
    handled.push({ instance: this.instance, account: payload.account, seq: payload.seq });
  }
}

const available = await kafkaAvailable();

describe.skipIf(!available)('Kafka per-key order across rebalances', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('order');
  const apps = new Apps();
  const dedupe = sharedDedupe(); // one table for both instances, as a database would be
  let emitter: App;

  beforeAll(async () => {
    emitter = await apps.start({ name: 'bank', namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('keeps each key in order while an instance joins and another leaves', async () => {
    const first = await apps.start({ name: 'ledger-1', services: [new Ledger('1')], namespace, kafka: { dedupe } });
    const emitted = new Map<string, number>();
    let running = true;
    const loops = Array.from({ length: 20 }, async (_, k) => {
      const account = `acct-${k}`;
      for (let seq = 0; running; seq++) {
        await emitter.emit(accounts.events.moved, { account, seq });
        emitted.set(account, seq + 1);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    });
    const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await eventually(() => handled.some((h) => h.instance === '1'), 'the first instance handling events', 30_000);
    await at(1_000);
    await apps.start({ name: 'ledger-2', services: [new Ledger('2')], namespace, kafka: { dedupe } });
    await eventually(() => handled.some((h) => h.instance === '2'), 'the second instance taking partitions', 30_000);
    await at(1_000);
    await apps.stop(first); // leaves the group: its partitions move to the second instance
    const stoppedAt = handled.length;
    await at(2_000);
    running = false;
    await Promise.all(loops);
    const total = [...emitted.values()].reduce((a, b) => a + b, 0);
    const firstSeen = () => new Set(handled.map((h) => `${h.account}:${h.seq}`)).size;
    await eventually(() => firstSeen() >= total, `all ${total} events handled`, 30_000);

    for (const [account, count] of emitted) {
      const order: number[] = [];
      const seen = new Set<number>();
      for (const h of handled) {
        if (h.account !== account || seen.has(h.seq)) continue; // a redelivered duplicate
        seen.add(h.seq);
        order.push(h.seq);
      }
      expect(order, `order of ${account}`).toEqual(Array.from({ length: count }, (_, i) => i));
    }
    const byInstance = {
      '1': handled.filter((h) => h.instance === '1').length,
      '2': handled.filter((h) => h.instance === '2').length,
    };
    expect(byInstance['1']).toBeGreaterThan(0);
    expect(handled.slice(stoppedAt).every((h) => h.instance === '2')).toBe(true);
    console.log(
      `Kafka rebalance test: ${JSON.stringify({ emitted: total, handledRuns: handled.length, duplicatesSkipped: apps.transports.reduce((n, t) => n + t.stats().duplicates, 0), byInstance })}`,
    );
  }, 120_000);
});
