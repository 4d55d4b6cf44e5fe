// gRPC benchmark: the greeter's unary Greet through Wharf's gRPC transport against a raw grpc-js
// server doing the same work (protobufjs codec from the same .proto, the same zod validation), in
// one run.
//
//   npm run bench:grpc -- [--rounds 3] [--duration 5] [--warmup 1] [--in-flight 50] [--clients 2]
//
// The server runs in its own process; the load comes from several client processes (a grpc-js
// client saturates its core near 6k calls/s here), with `in-flight` calls spread over them. Rounds
// alternate the order of the targets; medians are printed with the server's CPU time per call
// (process.cpuUsage()), the steadier figure when the clients saturate before the server.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GrpcLoadResult } from '../lib/grpc-load.js';
import { TARGETS, type TargetName } from '../lib/grpc-targets.js';
import { median, percentile } from '../lib/stats.js';
import { next } from '../lib/target-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'in-flight': { type: 'string', default: '50' },
    clients: { type: 'string', default: '2' },
    targets: { type: 'string', default: TARGETS.join(',') },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const inFlight = Number(values['in-flight']);
const clients = Number(values.clients);
const targets = (values.targets as string).split(',') as TargetName[];
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`Unknown target ${t}; one of ${TARGETS.join(', ')}`);

const serverEntry = new URL('../lib/grpc-server.js', import.meta.url);
const loadEntry = new URL('../lib/grpc-load.js', import.meta.url);
const logDir = mkdtempSync(join(tmpdir(), 'wharf-bench-grpc-'));

interface Sample {
  readonly callsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerCall: number;
  readonly errors: number;
}

/** Runs the load on every client at once; merges their results. */
async function load(loaders: readonly ChildProcess[], port: number, seconds: number): Promise<GrpcLoadResult> {
  const share = (i: number) => Math.floor(inFlight / loaders.length) + (i < inFlight % loaders.length ? 1 : 0);
  const results = await Promise.all(
    loaders.map((child, i) => {
      const result = next<GrpcLoadResult>(child, 'result');
      child.send({ type: 'go', port, inFlight: share(i), duration: seconds });
      return result;
    }),
  );
  return {
    calls: results.reduce((sum, r) => sum + r.calls, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    latencies: results.flatMap((r) => r.latencies),
  };
}

async function measure(target: TargetName, round: number): Promise<Sample> {
  const server = fork(serverEntry, [target, join(logDir, `${target}-${round}.log`)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await next<{ port: number }>(server, 'ready');
  const loaders = Array.from({ length: clients }, () => fork(loadEntry, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  await Promise.all(
    loaders.map((child) => {
      const connected = next(child, 'connected');
      child.send({ type: 'connect', port });
      return connected;
    }),
  );
  await load(loaders, port, warmup);
  server.send('cpu-start');
  await next(server, 'cpu-started');
  const result = await load(loaders, port, duration);
  server.send('cpu-stop');
  const { micros } = await next<{ micros: number }>(server, 'cpu');
  for (const child of loaders) child.send({ type: 'stop' });
  server.send('stop');
  await new Promise((resolve) => server.once('exit', resolve));
  return {
    callsPerSecond: result.calls / result.seconds,
    p50: percentile(result.latencies, 50),
    p99: percentile(result.latencies, 99),
    cpuPerCall: micros / result.calls,
    errors: result.errors,
  };
}

const samples = new Map<TargetName, Sample[]>(targets.map((t) => [t, []]));
console.log(
  `gRPC unary /greeter.v1.Greeter/Greet: ${inFlight} in flight over ${clients} client processes, ${duration} s per run, ${rounds} rounds (order alternates)`,
);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const target of order) {
    const sample = await measure(target, round);
    samples.get(target)?.push(sample);
    console.log(
      `  round ${round + 1} ${target.padEnd(6)} ${sample.callsPerSecond.toFixed(0).padStart(7)} calls/s  p50 ${sample.p50.toFixed(2)} ms  p99 ${sample.p99.toFixed(2)} ms  ${sample.cpuPerCall.toFixed(1)} µs CPU/call${sample.errors ? `  ${sample.errors} errors` : ''}`,
    );
  }
}

const summary = targets.map((target) => {
  const s = samples.get(target) as Sample[];
  return {
    target,
    callsPerSecond: median(s.map((x) => x.callsPerSecond)),
    p50: median(s.map((x) => x.p50)),
    p99: median(s.map((x) => x.p99)),
    cpuPerCall: median(s.map((x) => x.cpuPerCall)),
  };
});
console.log('\nMedians');
console.log('| target | calls/s | p50 ms | p99 ms | server CPU µs/call |');
console.log('|---|---:|---:|---:|---:|');
for (const s of summary) {
  console.log(
    `| ${s.target} | ${s.callsPerSecond.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.cpuPerCall.toFixed(1)} |`,
  );
}
const raw = summary.find((s) => s.target === 'raw');
const wharf = summary.find((s) => s.target === 'wharf');
if (raw !== undefined && wharf !== undefined) {
  console.log(
    `\nwharf/raw: throughput ${(wharf.callsPerSecond / raw.callsPerSecond).toFixed(2)}× (goal ≥ 0.90×), server CPU per call ${(wharf.cpuPerCall / raw.cpuPerCall).toFixed(2)}× (goal ≤ 1.15×)`,
  );
}
rmSync(logDir, { recursive: true, force: true });
