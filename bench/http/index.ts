// HTTP benchmark: Wharf's HTTP transport against bare node:http and bare Fastify doing the same
// zod validation and JSON work on the greeter's `POST /v1/greetings`, in one run.
//
//   npm run bench:http -- [--rounds 3] [--duration 5] [--connections 50] [--targets node,fastify,wharf]
//
// Each server runs in its own process; autocannon runs in another. Rounds alternate the order of
// the targets; medians are printed, with server CPU time per request (process.cpuUsage()).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadResult } from '../lib/http-load.js';
import { TARGETS, type TargetName } from '../lib/http-targets.js';
import { runLoad } from '../lib/run-load.js';
import { median } from '../lib/stats.js';
import { next } from '../lib/target-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    targets: { type: 'string', default: TARGETS.join(',') },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const targets = (values.targets as string).split(',') as TargetName[];
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`Unknown target ${t}; one of ${TARGETS.join(', ')}`);

const serverEntry = new URL('../lib/http-server.js', import.meta.url);
const logDir = mkdtempSync(join(tmpdir(), 'wharf-bench-http-'));

interface Sample {
  readonly rps: number;
  readonly p99: number;
  readonly cpuPerRequest: number;
}

async function load(port: number, seconds: number): Promise<LoadResult> {
  return runLoad({
    url: `http://127.0.0.1:${port}/v1/greetings`,
    method: 'POST',
    body: JSON.stringify({ name: 'Ada', language: 'fr' }),
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
  });
}

async function measure(target: TargetName, round: number): Promise<Sample> {
  const server = fork(serverEntry, [target, join(logDir, `${target}-${round}.log`)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await next<{ port: number }>(server, 'ready');
  await load(port, warmup);
  server.send('cpu-start');
  await next(server, 'cpu-started');
  const result = await load(port, duration);
  server.send('cpu-stop');
  const { micros } = await next<{ micros: number }>(server, 'cpu');
  server.send('stop');
  await new Promise((resolve) => server.once('exit', resolve));
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${target}: ${result.non2xx} non-2xx answers and ${result.errors} errors; the benchmark is not measuring success`,
    );
  }
  return { rps: result.requestsPerSecond, p99: result.p99, cpuPerRequest: micros / result.total };
}

const samples = new Map<TargetName, Sample[]>(targets.map((t) => [t, []]));
console.log(
  `HTTP bench: POST /v1/greetings, ${connections} connections, ${rounds} rounds × ${duration} s per target (after ${warmup} s warm-up)`,
);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const target of order) {
    const sample = await measure(target, round);
    samples.get(target)?.push(sample);
    console.log(
      `  round ${round + 1}  ${target.padEnd(17)} ${sample.rps.toFixed(0).padStart(7)} req/s  p99 ${sample.p99.toFixed(1).padStart(5)} ms  ${sample.cpuPerRequest.toFixed(1).padStart(6)} µs CPU/req`,
    );
  }
}

const medians = new Map(
  [...samples].map(([t, list]) => [
    t,
    { rps: median(list.map((s) => s.rps)), p99: median(list.map((s) => s.p99)), cpu: median(list.map((s) => s.cpuPerRequest)) },
  ]),
);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`;
// Throughput is often capped by the load generator on two cores; CPU time per request is the
// steadier figure, so its ratio is printed too (fastify's CPU/req over the target's: >1 is cheaper).
console.log('\nMedians: req/s ratios to node:http and fastify; CPU ratio = fastify CPU/req ÷ target CPU/req');
console.log('target             req/s    p99 ms  CPU µs/req   ×node:http  ×fastify  CPU ×fastify');
for (const [target, m] of medians) {
  const fastify = medians.get('fastify');
  console.log(
    `${target.padEnd(17)} ${m.rps.toFixed(0).padStart(7)}  ${m.p99.toFixed(1).padStart(7)}  ${m.cpu.toFixed(1).padStart(10)}   ${ratio(m.rps, medians.get('node')?.rps).padStart(10)}  ${ratio(m.rps, fastify?.rps).padStart(8)}  ${ratio(fastify?.cpu, m.cpu).padStart(11)}`,
  );
}
rmSync(logDir, { recursive: true, force: true });
