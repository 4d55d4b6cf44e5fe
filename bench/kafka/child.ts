// One side of a bench:kafka round in its own process: `<wharf|raw> <producer|consumer> <options JSON>`.
// The consumer says `ready` once it joined its group, then `consumed` when it handled every event;
// the producer waits for `go`, emits, and says `produced`.
import { percentile } from '../lib/stats.js';
import { rawConsumer, rawProducer } from './raw.js';
import type { ConsumerReport, ProducerReport, RoundOptions } from './round.js';
import { now } from './round.js';
import { wharfConsumer, wharfProducer } from './wharf.js';

const [name, side, json] = process.argv.slice(2);
const options = JSON.parse(json as string) as RoundOptions;
const send = (message: object) => process.send?.(message);
const go = () =>
  new Promise<void>((resolve) => {
    send({ type: 'ready' });
    process.once('message', () => resolve());
  });

if (side === 'producer') {
  const run = name === 'wharf' ? wharfProducer : rawProducer;
  let cpu = process.cpuUsage();
  let startedAt = 0;
  const producedMs = await run(options, async () => {
    await go();
    cpu = process.cpuUsage();
    startedAt = now();
  });
  const used = process.cpuUsage(cpu);
  send({ type: 'produced', startedAt, producedMs, cpuMicros: used.user + used.system } satisfies ProducerReport);
} else {
  const latencies: number[] = [];
  let cpu = process.cpuUsage();
  let lastAt = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const start = name === 'wharf' ? wharfConsumer : rawConsumer;
  const stop = await start(options, (latency, n) => {
    if (n < 0) return; // the topic-creating warm-up event
    if (latencies.length === 0) cpu = process.cpuUsage();
    latencies.push(latency);
    lastAt = now();
    if (latencies.length === options.events) done();
  });
  send({ type: 'ready' });
  await all;
  const used = process.cpuUsage(cpu);
  send({
    type: 'consumed',
    lastAt,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMicros: used.user + used.system,
  } satisfies ConsumerReport);
  await stop();
}
process.exit(0);
