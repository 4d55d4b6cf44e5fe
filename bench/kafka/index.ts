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

import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { fmt, median } from '../lib/stats.js';
import { next } from '../lib/target-process.js';
import type { ConsumerReport, ProducerReport, RoundOptions } from './round.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const EVENTS = Number(process.env.EVENTS ?? 20_000);
const INFLIGHT = Number(process.env.INFLIGHT ?? 1_000);
const BROKERS = (process.env.BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const namespace = `wharf-bench-${randomBytes(3).toString('hex')}`;

interface Round {
  readonly producedPerS: number;
  readonly consumedPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly producerCpuUs: number;
  readonly consumerCpuUs: number;
}

/** One round of one contender, producer and consumer in processes of their own; both report. */
async function round(name: 'wharf' | 'raw', options: RoundOptions): Promise<Round> {
  const args = (side: string) => [name, side, JSON.stringify(options)];
  // The producer creates the topic (one warm-up event), then the consumer joins; then the producer goes.
  const producer = fork(CHILD, args('producer'), { stdio: 'inherit' });
  await next(producer, 'ready');
  const consumer = fork(CHILD, args('consumer'), { stdio: 'inherit' });
  await next(consumer, 'ready');
  producer.send('go');
  const consumed = next<ConsumerReport>(consumer, 'consumed');
  const produced = await next<ProducerReport>(producer, 'produced');
  const c = await consumed;
  return {
    producedPerS: (options.events / produced.producedMs) * 1000,
    consumedPerS: (options.events / (c.lastAt - produced.startedAt)) * 1000,
    p50Ms: c.p50Ms,
    p99Ms: c.p99Ms,
    producerCpuUs: produced.cpuMicros / options.events,
    consumerCpuUs: c.cpuMicros / options.events,
  };
}

const results: Record<'wharf' | 'raw', Round[]> = { wharf: [], raw: [] };
console.log(
  `Kafka events end to end: ${ROUNDS} rounds × ${fmt(EVENTS)} events, ${INFLIGHT} emits in flight, 3 partitions, producer and consumer in their own processes, brokers ${BROKERS.join(',')}`,
);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? (['wharf', 'raw'] as const) : (['raw', 'wharf'] as const);
  for (const name of order) {
    const result = await round(name, {
      brokers: BROKERS,
      namespace: `${namespace}.${name}${r}`,
      events: EVENTS,
      inFlight: INFLIGHT,
    });
    results[name].push(result);
    console.log(
      `round ${r + 1} ${name.padEnd(5)} produced ${fmt(result.producedPerS).padStart(7)}/s  consumed ${fmt(result.consumedPerS).padStart(7)}/s  p50 ${fmt(result.p50Ms, 1)} ms  p99 ${fmt(result.p99Ms, 1)} ms  CPU/event producer ${fmt(result.producerCpuUs, 1)} µs, consumer ${fmt(result.consumerCpuUs, 1)} µs`,
    );
  }
}

const m = (name: 'wharf' | 'raw', key: keyof Round) => median(results[name].map((x) => x[key]));
const perRound = (key: keyof Round) => median(results.wharf.map((w, i) => w[key] / (results.raw[i]?.[key] ?? Number.NaN)));
console.log('\nmedians                 wharf        raw   wharf/raw (median of per-round ratios)');
for (const [label, key, digits] of [
  ['produced/s', 'producedPerS', 0],
  ['consumed/s (e2e)', 'consumedPerS', 0],
  ['p50 latency ms', 'p50Ms', 1],
  ['p99 latency ms', 'p99Ms', 1],
  ['producer CPU µs/event', 'producerCpuUs', 1],
  ['consumer CPU µs/event', 'consumerCpuUs', 1],
] as const) {
  console.log(
    `${label.padEnd(22)} ${fmt(m('wharf', key), digits).padStart(8)} ${fmt(m('raw', key), digits).padStart(10)}   ${fmt(m('wharf', key) / m('raw', key), 2)}× (${fmt(perRound(key), 2)}×)`,
  );
}

const admin = new Admin({ clientId: 'bench-cleanup', bootstrapBrokers: BROKERS });
const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(namespace));
if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => {});
await admin.close();
process.exit(0);
