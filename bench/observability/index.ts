// Observability benchmark: the greeter's Greet over HTTP and gRPC with observability off, with
// metrics, with tracing (100 % sampled, batch exporter), with both, and with tracing under the
// async-local-storage context, in one run; prints what each costs against "off". Goals: metrics
// ≤ 5 %, tracing ≤ 15 % (with the default, explicit context). `tracing-otlp` (by default), and
// on request `tracing-otlp-bsp` and `tracing-otlp-sdk`, export every span over OTLP/HTTP (what
// `startTracing({ otlpEndpoint })` sets up; Wharf's exporter in the SDK's batch processor;
// OpenTelemetry's exporter in it) to a collector stand-in in this process that reads each
// request and answers 200: what a service pays to send its spans, where `tracing` drops them
// after batching.
//
// `--baseline <dir>` compares two versions in the same run: every mode but "off" is served a
// second time (`<mode>@baseline`) by the `packages/observability/dist` of another version, copied
// into `dir` beforehand (e.g. `git stash && npm run build && cp -r packages/observability/dist
// /tmp/obs-before && git stash pop && npm run bench:observability -- --baseline /tmp/obs-before`).
// Runs minutes apart differ by more than the changes measured here; turns side by side do not.
//
//   npm run bench:observability -- [--rounds 5] [--seconds 4] [--turn-ms 250] [--in-flight 50] [--baseline <dir>]
//                                   [--protocols http,grpc]
//                                   [--modes off,metrics,tracing,both,tracing-als,tracing-otlp[,tracing-sdk,tracing-otlp-bsp,tracing-otlp-sdk]]
//
// Every mode is its own server process, the load another (undici for HTTP, grpc-js for gRPC).
// A round starts a fresh server per mode, then loads them in turns of a quarter of a second, in
// alternating order, `--seconds` each. A cost is the median over all turns of a mode's turn
// against the "off" turn beside it: a quarter-second apart, so the shared machine's drift weighs
// on both. (Whole runs of a few seconds, as this bench took before, moved by ±30 % between
// neighbours on this machine: more than the costs being measured.) With `WHARF_BENCH_PIN=1` the
// servers share CPU 0 and the load has CPU 1; only the server whose turn it is works.
import { type ChildProcess, fork } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pinning, pinServer } from '../lib/pin.js';
import { fmt, median, percentile } from '../lib/stats.js';
import { next } from '../lib/target-process.js';
import { DEFAULT_MODES, MODES, type Mode, PROTOCOLS, type Protocol, type Variant } from './targets.js';
import type { TurnMessage, TurnResult } from './turn-load.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    'turn-ms': { type: 'string', default: '250' },
    'in-flight': { type: 'string', default: '50' },
    protocols: { type: 'string', default: PROTOCOLS.join(',') },
    modes: { type: 'string', default: DEFAULT_MODES.join(',') },
    baseline: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const turnMs = Number(values['turn-ms']);
const turns = Math.max(1, Math.round((Number(values.seconds) * 1000) / turnMs));
const inFlight = Number(values['in-flight']);
const protocols = (values.protocols as string).split(',') as Protocol[];
const chosen = (values.modes as string).split(',') as Mode[];
if (!chosen.includes('off')) chosen.unshift('off'); // every cost is against "off"
for (const p of protocols) if (!PROTOCOLS.includes(p)) throw new Error(`Unknown protocol ${p}; one of ${PROTOCOLS.join(', ')}`);
for (const m of chosen) if (!MODES.includes(m)) throw new Error(`Unknown mode ${m}; one of ${MODES.join(', ')}`);
const modes: Variant[] =
  values.baseline === undefined ? chosen : chosen.flatMap((m) => (m === 'off' ? [m] : [m, `${m}@baseline` as const]));

/**
 * Copies the baseline build into packages/observability, so that its imports (`@wharf/core`,
 * OpenTelemetry) resolve as this checkout's do, and tells the servers where it is.
 */
function placeBaseline(dir: string): string {
  for (const file of ['index.js', join('otel', 'index.js')])
    if (!existsSync(join(dir, file)))
      throw new Error(`--baseline ${dir} has no ${file}: give a copy of another version's packages/observability/dist`);
  const placed = fileURLToPath(new URL('../../../packages/observability/.bench-baseline', import.meta.url));
  rmSync(placed, { recursive: true, force: true });
  cpSync(dir, placed, { recursive: true });
  process.on('exit', () => rmSync(placed, { recursive: true, force: true }));
  return placed;
}
const baseline = values.baseline === undefined ? undefined : placeBaseline(values.baseline);

/** One turn of one mode: calls per second and the server's CPU per call. */
interface Sample {
  readonly rps: number;
  readonly cpu: number;
  readonly calls: number;
  readonly micros: number;
}

/** The OTLP collector stand-in of the `tracing-otlp` modes: reads each request whole, answers 200 with no body. */
async function startCollector(): Promise<string> {
  const collector = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collector.unref();
  return `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
}
const collector = modes.some((m) => m.startsWith('tracing-otlp')) ? await startCollector() : undefined;

async function startServer(protocol: Protocol, mode: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL('./server.js', import.meta.url), [`${protocol}-${mode}`, '/dev/null'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      ...(collector === undefined ? {} : { WHARF_BENCH_OTLP: collector }),
      ...(baseline === undefined ? {} : { WHARF_BENCH_BASELINE: baseline }),
    },
  });
  const { port } = await next<{ port: number }>(child, 'ready');
  pinServer(child);
  return { child, port };
}

async function stop(child: ChildProcess, message: unknown): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send(message as string);
  await exited;
}

/** One turn against `server`: its CPU measured around the load's closed loop. */
async function turn(load: ChildProcess, server: ChildProcess, index: number, ms: number): Promise<Sample> {
  server.send('cpu-start');
  await next(server, 'cpu-started');
  const turned = next<TurnResult>(load, 'turned');
  load.send({ type: 'turn', index, ms } satisfies TurnMessage);
  const result = await turned;
  server.send('cpu-stop');
  const { micros } = await next<{ micros: number }>(server, 'cpu');
  if (result.errors > 0) throw new Error(`${result.errors} failed calls in a turn`);
  return { rps: (result.calls / result.ms) * 1000, cpu: micros / result.calls, calls: result.calls, micros };
}

/** Every turn of each mode of `protocol`, over all rounds, aligned: turn i of a mode ran beside turn i of "off". */
async function measure(protocol: Protocol): Promise<Map<Variant, Sample[]>> {
  const samples = new Map<Variant, Sample[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    const servers = [];
    for (const mode of modes) servers.push(await startServer(protocol, mode));
    const load = fork(new URL('./turn-load.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const connected = next(load, 'connected');
      load.send({ type: 'connect', protocol, ports: servers.map((s) => s.port), inFlight } satisfies TurnMessage);
      await connected;
      for (let i = 0; i < modes.length; i++) await turn(load, servers[i]?.child as ChildProcess, i, 1000); // warm-up
      const order = modes.map((_, i) => i);
      const roundSamples = new Map<Variant, Sample[]>(modes.map((m) => [m, []]));
      for (let t = 0; t < turns; t++) {
        for (const i of (t + round) % 2 === 0 ? order : [...order].reverse()) {
          const sample = await turn(load, servers[i]?.child as ChildProcess, i, turnMs);
          roundSamples.get(modes[i] as Variant)?.push(sample);
        }
      }
      const line = modes.map((m) => {
        const s = pooled(roundSamples.get(m) ?? []);
        return `${m} ${fmt(s.rps)}/s ${fmt(s.cpu, 1)} µs`;
      });
      console.log(`  ${protocol} round ${round + 1}: ${line.join(' · ')}`);
      for (const m of modes) samples.get(m)?.push(...(roundSamples.get(m) ?? []));
    } finally {
      await stop(load, { type: 'stop' } satisfies TurnMessage);
      await Promise.all(servers.map((s) => stop(s.child, 'stop')));
    }
  }
  return samples;
}

/** Turns taken together: their calls over their time, their CPU over their calls. */
function pooled(samples: readonly Sample[]): { rps: number; cpu: number } {
  const calls = samples.reduce((n, s) => n + s.calls, 0);
  const seconds = samples.reduce((n, s) => n + s.calls / s.rps, 0);
  const micros = samples.reduce((n, s) => n + s.micros, 0);
  return { rps: calls / seconds, cpu: micros / calls };
}

console.log(
  `Observability bench: greeter Greet over ${protocols.join(' and ')}, ${inFlight} calls in flight, ${rounds} rounds of ${turns} turns × ${turnMs} ms per mode, order alternating${pinning ? ', servers pinned to CPU 0' : ''}`,
);
const results = new Map<Protocol, Map<Variant, Sample[]>>();
for (const protocol of protocols) results.set(protocol, await measure(protocol));

/** The goal column: the goals, and what the spans-sent row is beside them. */
const GOALS: Partial<Record<Mode, string>> = {
  metrics: '≤ 5 %',
  tracing: '≤ 15 %',
  'tracing-otlp': '(sent to a collector on this machine)',
};
const percent = (x: number) => `${fmt(x * 100, 1)} %`;
/** Median and interquartile range of a cost, from each turn's ratio to the "off" turn beside it. */
function cost(ratios: readonly number[], sign: 1 | -1): string {
  const c = (r: number) => sign * (r - 1);
  const [a, b] = [c(percentile(ratios, 25)), c(percentile(ratios, 75))].sort((x, y) => x - y);
  return `${percent(c(median(ratios)))} (${percent(a as number)} – ${percent(b as number)})`;
}
console.log(
  '\nCost against "off": throughput lost and server CPU per call added, each the median over all turns of the\n' +
    'turn against the "off" turn beside it (25th–75th percentile in brackets); req/s and CPU are pooled over all turns.',
);
console.log('| target | req/s | CPU µs/call | throughput cost | CPU cost | pooled throughput / CPU cost | goal |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const [protocol, samples] of results) {
  const off = samples.get('off') ?? [];
  const offPooled = pooled(off);
  for (const mode of modes) {
    const here = samples.get(mode) ?? [];
    const p = pooled(here);
    const cells =
      mode === 'off'
        ? ['', '', '']
        : [
            cost(
              here.map((s, i) => s.rps / (off[i]?.rps ?? Number.NaN)),
              -1,
            ),
            cost(
              here.map((s, i) => s.cpu / (off[i]?.cpu ?? Number.NaN)),
              1,
            ),
            `${percent(1 - p.rps / offPooled.rps)} / ${percent(p.cpu / offPooled.cpu - 1)}`,
          ];
    const goal = GOALS[mode as Mode] ?? '';
    console.log(`| ${protocol}-${mode} | ${fmt(p.rps)} | ${fmt(p.cpu, 1)} | ${cells.join(' | ')} | ${goal} |`);
  }
}
process.exit(0);
