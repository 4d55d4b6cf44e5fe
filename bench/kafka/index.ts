// bench:kafka — events produced and consumed end to end over Kafka: Wharf (app.emit → @On handler,
// schema checks, headers, dedupe, commit after the handler) against the raw client it is built
// on (@platformatic/kafka: the same acks=all idempotent producer with one request in flight
// carrying what was produced meanwhile, a consumer that parses each value and commits after it),
// in the same run, rounds alternating the order, medians reported.
// Env: ROUNDS (5), EVENTS per round (20 000), INFLIGHT emits (1 000), BROKERS ($KAFKA_BROKERS);
// ONLY=rpc runs the request–reply measurement (rpc.ts) instead.
if (process.env.ONLY === 'rpc') {
  await import('./rpc.js');
}

import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { fmt, median } from '../lib/stats.js';
import { rawRound } from './raw.js';
import type { Round, RoundOptions } from './round.js';
import { wharfRound } from './wharf.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const EVENTS = Number(process.env.EVENTS ?? 20_000);
const INFLIGHT = Number(process.env.INFLIGHT ?? 1_000);
const BROKERS = (process.env.BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const namespace = `wharf-bench-${randomBytes(3).toString('hex')}`;

const results: Record<'wharf' | 'raw', Round[]> = { wharf: [], raw: [] };
const options = (round: number): RoundOptions => ({
  brokers: BROKERS,
  namespace: `${namespace}.r${round}`,
  events: EVENTS,
  inFlight: INFLIGHT,
});

console.log(
  `Kafka events end to end: ${ROUNDS} rounds × ${fmt(EVENTS)} events, ${INFLIGHT} emits in flight, 3 partitions, brokers ${BROKERS.join(',')}`,
);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? (['wharf', 'raw'] as const) : (['raw', 'wharf'] as const);
  for (const name of order) {
    const result = await (name === 'wharf' ? wharfRound : rawRound)(options(round * 2 + (name === 'wharf' ? 0 : 1)));
    results[name].push(result);
    console.log(
      `round ${round + 1} ${name.padEnd(5)} produced ${fmt(result.producedPerS).padStart(7)}/s  consumed ${fmt(result.consumedPerS).padStart(7)}/s  p50 ${fmt(result.p50Ms, 1)} ms  p99 ${fmt(result.p99Ms, 1)} ms  CPU ${fmt(result.cpuUsPerEvent, 1)} µs/event`,
    );
  }
}

const m = (name: 'wharf' | 'raw', key: keyof Round) => median(results[name].map((r) => r[key]));
const perRound = (key: keyof Round) => median(results.wharf.map((w, i) => w[key] / (results.raw[i]?.[key] ?? Number.NaN)));
console.log('\nmedians            wharf        raw   wharf/raw (median of per-round ratios)');
for (const [label, key, digits] of [
  ['produced/s', 'producedPerS', 0],
  ['consumed/s (e2e)', 'consumedPerS', 0],
  ['p50 latency ms', 'p50Ms', 1],
  ['p99 latency ms', 'p99Ms', 1],
  ['CPU µs per event', 'cpuUsPerEvent', 1],
] as const) {
  console.log(
    `${label.padEnd(17)} ${fmt(m('wharf', key), digits).padStart(8)} ${fmt(m('raw', key), digits).padStart(10)}   ${fmt(m('wharf', key) / m('raw', key), 2)}× (${fmt(perRound(key), 2)}×)`,
  );
}

const admin = new Admin({ clientId: 'bench-cleanup', bootstrapBrokers: BROKERS });
const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(namespace));
if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => {});
await admin.close();
process.exit(0);
