// Security bench, in one run, as ratios:
//   (a) the guard's cost per call (RS256 and ES256 with keys loaded) against the same call without it;
//   (b) the gateway with the service in its process (in-memory transport) against Moleculer-web
//       with the same echo action in its own broker, and bare node:http for reference;
//   (c) the gateway in front of a service in another process over HTTP against a bare reverse
//       proxy (node:http + undici) doing the same hop, with the p50/p99 each adds over calling the
//       service directly.
//
//   npm run bench:security -- [--rounds 3] [--duration 5] [--connections 32] [--calls 20000] [--sections a,b,c]
//
// Servers run in their own processes, autocannon in another; rounds alternate the order of the
// targets; medians are printed, with each server's CPU time per request (process.cpuUsage()).
// `WHARF_BENCH_PIN=1` pins the server under test to CPU 0, and autocannon (and the backend of (c))
// to the others.
import { type ChildProcess, fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { LoadResult } from '../lib/http-load.js';
import { pinServer } from '../lib/pin.js';
import { runLoad } from '../lib/run-load.js';
import { median, pairedRatio } from '../lib/stats.js';
import { next } from '../lib/target-process.js';
import { guardCost } from './guard-cost.js';
import { ECHO_PATH, type TargetName } from './targets.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    calls: { type: 'string', default: '20000' },
    sections: { type: 'string', default: 'a,b,c' },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const sections = new Set((values.sections as string).split(','));
const serverEntry = new URL('./server.js', import.meta.url);

interface Sample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number;
}

function load(port: number, seconds: number): Promise<LoadResult> {
  return runLoad({
    url: `http://127.0.0.1:${port}${ECHO_PATH}`,
    method: 'POST',
    body: JSON.stringify({ text: 'hello' }),
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
  });
}

/** Forks `target`; the target under test gets CPU 0 to itself when pinning (not the backend of (c)). */
async function start(target: TargetName, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(serverEntry, [target, '/dev/null'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  if (target !== 'backend') pinServer(child);
  const { port } = await next<{ port: number }>(child, 'ready');
  return { child, port };
}

async function stop(child: ChildProcess): Promise<void> {
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** One measured run against a started target; CPU is the target process's own. */
async function measure(name: string, child: ChildProcess, port: number): Promise<Sample> {
  await load(port, warmup);
  child.send('cpu-start');
  await next(child, 'cpu-started');
  const result = await load(port, duration);
  child.send('cpu-stop');
  const { micros } = await next<{ micros: number }>(child, 'cpu');
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors; the benchmark is not measuring success`,
    );
  }
  return { rps: result.requestsPerSecond, p50: result.p50, p99: result.p99, cpu: micros / result.total };
}

/** What `compare` found: each row's medians, and the median of per-round throughput ratios of two rows (see pairedRatio). */
interface Comparison {
  readonly medians: Map<string, Sample>;
  paired(a: string, b: string): string;
}

/** Alternating rounds over `rows`; each row starts its target, measures, and stops it. */
async function compare(rows: readonly { name: string; run: () => Promise<Sample> }[]): Promise<Comparison> {
  const samples = new Map(rows.map((r) => [r.name, [] as Sample[]]));
  for (let round = 0; round < rounds; round++) {
    for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
      const s = await row.run();
      samples.get(row.name)?.push(s);
      console.log(
        `  round ${round + 1}  ${row.name.padEnd(16)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50.toFixed(1).padStart(5)} ms  p99 ${s.p99.toFixed(1).padStart(5)} ms  ${s.cpu.toFixed(1).padStart(6)} µs CPU/req`,
      );
    }
  }
  const medians = new Map<string, Sample>();
  for (const [name, list] of samples) {
    medians.set(name, {
      rps: median(list.map((s) => s.rps)),
      p50: median(list.map((s) => s.p50)),
      p99: median(list.map((s) => s.p99)),
      cpu: median(list.map((s) => s.cpu)),
    });
  }
  const paired = (a: string, b: string) => {
    const [x, y] = [samples.get(a), samples.get(b)];
    return x === undefined || y === undefined
      ? '—'
      : `${pairedRatio(
          x.map((s) => s.rps),
          y.map((s) => s.rps),
        ).toFixed(2)}×`;
  };
  return { medians, paired };
}

const own = (target: TargetName, env?: Record<string, string>) => async () => {
  const { child, port } = await start(target, env);
  try {
    return await measure(target, child, port);
  } finally {
    await stop(child);
  }
};

const x = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);

if (sections.has('a')) await guardCost(rounds + 2, Number(values.calls));

if (sections.has('b')) {
  console.log(
    `\n(b) Gateway, service in its process, vs Moleculer-web: POST ${ECHO_PATH}, ${connections} connections, ${rounds} rounds × ${duration} s`,
  );
  const { medians: m, paired } = await compare([
    { name: 'node', run: own('node') },
    { name: 'moleculer-web', run: own('moleculer-web') },
    { name: 'gateway-memory', run: own('gateway-memory') },
  ]);
  console.log('target            req/s   p50 ms   p99 ms  CPU µs/req   ×node:http  ×moleculer-web');
  for (const [name, s] of m) {
    console.log(
      `${name.padEnd(16)} ${s.rps.toFixed(0).padStart(6)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${s.cpu.toFixed(1).padStart(11)} ${x(s.rps, m.get('node')?.rps).padStart(12)} ${x(s.rps, m.get('moleculer-web')?.rps).padStart(15)}`,
    );
  }
  console.log(
    `goal: gateway ≥ 1.5× Moleculer-web → ${paired('gateway-memory', 'moleculer-web')} by the median of per-round ratios (${x(m.get('gateway-memory')?.rps, m.get('moleculer-web')?.rps)} between medians)`,
  );
}

if (sections.has('c')) {
  console.log(
    `\n(c) Gateway vs a bare reverse proxy in front of a service in another process over HTTP, ${connections} connections`,
  );
  const backend = await start('backend');
  const env = { BACKEND_URL: `http://127.0.0.1:${backend.port}` };
  try {
    const { medians: m, paired } = await compare([
      { name: 'direct', run: () => measure('direct', backend.child, backend.port) },
      { name: 'proxy', run: own('proxy', env) },
      { name: 'gateway-http', run: own('gateway-http', env) },
    ]);
    const direct = m.get('direct') as Sample;
    console.log('target            req/s   p50 ms   p99 ms  +p50 ms  +p99 ms  hop CPU µs/req  ×proxy');
    for (const [name, s] of m) {
      const hop = name === 'direct' ? '—' : s.cpu.toFixed(1);
      console.log(
        `${name.padEnd(16)} ${s.rps.toFixed(0).padStart(6)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${(s.p50 - direct.p50).toFixed(1).padStart(8)} ${(s.p99 - direct.p99).toFixed(1).padStart(8)} ${hop.padStart(15)} ${x(s.rps, m.get('proxy')?.rps).padStart(7)}`,
      );
    }
    console.log(
      `goal: gateway ≥ 0.9× the bare proxy → ${paired('gateway-http', 'proxy')} by the median of per-round ratios (${x(m.get('gateway-http')?.rps, m.get('proxy')?.rps)} between medians; hop CPU per request: gateway ${x(m.get('gateway-http')?.cpu, m.get('proxy')?.cpu)} the proxy's)`,
    );
  } finally {
    await stop(backend.child);
  }
}
