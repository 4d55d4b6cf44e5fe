// Observability benchmark: the greeter's Greet over HTTP and gRPC with observability off, with
// metrics, with tracing (100 % sampled, batch exporter), with both, and with tracing under the
// async-local-storage context, in one run; prints what each costs against "off". Goals: metrics
// ≤ 5 %, tracing ≤ 15 % (with the default, explicit context).
//
//   npm run bench:observability -- [--rounds 7] [--duration 3] [--warmup 1] [--connections 50] [--in-flight 50]
//                                   [--protocols http,grpc] [--modes off,metrics,tracing,both,tracing-als]
//
// Every server runs in its own process, the load in others (autocannon for HTTP, two grpc-js
// clients for gRPC). Rounds alternate the order; medians are printed, with the server's CPU time
// per request (process.cpuUsage()): on two cores the load generator often caps throughput first,
// so the CPU figure is the steadier measure of cost.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GrpcLoadResult } from '../lib/grpc-load.js';
import { pinning, pinServer } from '../lib/pin.js';
import { runHttpLoad } from '../lib/run-http-load.js';
import { median, pairedRatio } from '../lib/stats.js';
import { next } from '../lib/target-process.js';
import { MODES, type Mode, PROTOCOLS, type Protocol, type TargetName } from './targets.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    'in-flight': { type: 'string', default: '50' },
    protocols: { type: 'string', default: PROTOCOLS.join(',') },
    modes: { type: 'string', default: MODES.join(',') },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const inFlight = Number(values['in-flight']);
const protocols = (values.protocols as string).split(',') as Protocol[];
const modes = (values.modes as string).split(',') as Mode[];
if (!modes.includes('off')) modes.unshift('off'); // every cost is against "off"
for (const p of protocols) if (!PROTOCOLS.includes(p)) throw new Error(`Unknown protocol ${p}; one of ${PROTOCOLS.join(', ')}`);
for (const m of modes) if (!MODES.includes(m)) throw new Error(`Unknown mode ${m}; one of ${MODES.join(', ')}`);

const serverEntry = new URL('./server.js', import.meta.url);
const grpcLoadEntry = new URL('../lib/grpc-load.js', import.meta.url);
const logDir = mkdtempSync(join(tmpdir(), 'wharf-bench-observability-'));

interface Sample {
  readonly rps: number;
  readonly cpu: number;
}

/** Requests and their count from one HTTP load run. */
async function httpLoad(port: number, seconds: number): Promise<{ rps: number; total: number }> {
  const r = await runHttpLoad({
    url: `http://127.0.0.1:${port}/v1/greetings`,
    method: 'POST',
    body: JSON.stringify({ name: 'Ada', language: 'fr' }),
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx answers and ${r.errors} errors over HTTP`);
  return { rps: r.requestsPerSecond, total: r.total };
}

/** The same over gRPC, from two client processes sharing the calls in flight. */
async function grpcLoad(
  loaders: readonly ChildProcess[],
  port: number,
  seconds: number,
): Promise<{ rps: number; total: number }> {
  const results = await Promise.all(
    loaders.map((child, i) => {
      const result = next<GrpcLoadResult>(child, 'result');
      const share = Math.floor(inFlight / loaders.length) + (i < inFlight % loaders.length ? 1 : 0);
      child.send({ type: 'go', port, inFlight: share, duration: seconds });
      return result;
    }),
  );
  const calls = results.reduce((sum, r) => sum + r.calls, 0);
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0) throw new Error(`${errors} failed gRPC calls`);
  return { rps: calls / Math.max(...results.map((r) => r.seconds)), total: calls };
}

async function measure(protocol: Protocol, mode: Mode, round: number): Promise<Sample> {
  const target: TargetName = `${protocol}-${mode}`;
  const server = fork(serverEntry, [target, join(logDir, `${target}-${round}.log`)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await next<{ port: number }>(server, 'ready');
  pinServer(server);
  const loaders =
    protocol === 'grpc' ? [0, 1].map(() => fork(grpcLoadEntry, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })) : [];
  await Promise.all(
    loaders.map((child) => {
      const connected = next(child, 'connected');
      child.send({ type: 'connect', port });
      return connected;
    }),
  );
  const run = (seconds: number) => (protocol === 'http' ? httpLoad(port, seconds) : grpcLoad(loaders, port, seconds));
  await run(warmup);
  server.send('cpu-start');
  await next(server, 'cpu-started');
  const result = await run(duration);
  server.send('cpu-stop');
  const { micros } = await next<{ micros: number }>(server, 'cpu');
  for (const child of loaders) child.send({ type: 'stop' });
  server.send('stop');
  await new Promise((resolve) => server.once('exit', resolve));
  return { rps: result.rps, cpu: micros / result.total };
}

console.log(
  `Observability bench: greeter Greet over HTTP (${connections} connections) and gRPC (${inFlight} in flight), ${rounds} rounds × ${duration} s per target, order alternating${pinning ? ', server pinned to CPU 0' : ''}`,
);
const samples = new Map<string, Sample[]>();
for (let round = 0; round < rounds; round++) {
  for (const protocol of protocols) {
    const order = round % 2 === 0 ? modes : [...modes].reverse();
    for (const mode of order) {
      const sample = await measure(protocol, mode, round);
      const key = `${protocol}-${mode}`;
      samples.set(key, [...(samples.get(key) ?? []), sample]);
      console.log(
        `  round ${round + 1}  ${key.padEnd(17)} ${sample.rps.toFixed(0).padStart(7)} req/s  ${sample.cpu.toFixed(1).padStart(6)} µs CPU/req`,
      );
    }
  }
}

console.log(
  '\nMedians, and the cost of each against "off" (throughput lost; server CPU per request added). A cost is the median of\n' +
    "the rounds' own costs — each round measures every mode back to back, so a slower minute of the shared machine\n" +
    'weighs on both sides of its comparison — and, in brackets, the cost between the medians of all rounds.',
);
console.log('| target | req/s | CPU µs/req | throughput cost | CPU cost | goal |');
console.log('|---|---:|---:|---:|---:|---|');
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
for (const protocol of protocols) {
  const list = (mode: Mode) => samples.get(`${protocol}-${mode}`) ?? [];
  const m = (mode: Mode) => ({ rps: median(list(mode).map((s) => s.rps)), cpu: median(list(mode).map((s) => s.cpu)) });
  const off = m('off');
  for (const mode of modes) {
    const here = m(mode);
    const lost =
      1 -
      pairedRatio(
        list(mode).map((s) => s.rps),
        list('off').map((s) => s.rps),
      );
    const added =
      pairedRatio(
        list(mode).map((s) => s.cpu),
        list('off').map((s) => s.cpu),
      ) - 1;
    const cells =
      mode === 'off'
        ? ['', '']
        : [`${percent(lost)} (${percent(1 - here.rps / off.rps)})`, `${percent(added)} (${percent(here.cpu / off.cpu - 1)})`];
    const goal = mode === 'metrics' ? '≤ 5 %' : mode === 'tracing' ? '≤ 15 %' : '';
    console.log(
      `| ${protocol}-${mode} | ${here.rps.toFixed(0)} | ${here.cpu.toFixed(1)} | ${cells[0]} | ${cells[1]} | ${goal} |`,
    );
  }
}
rmSync(logDir, { recursive: true, force: true });
