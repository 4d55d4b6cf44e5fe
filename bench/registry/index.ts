// Registry benchmark: what the full resilient client pipeline costs against the pipeline without
// it, over HTTP, gRPC, in-process and an instant transport (the stack's own cost), and how fast
// etcd watches spread changes — in one run.
//
//   npm run bench:registry -- [--rounds 15] [--seconds 4] [--turn-ms 250] [--concurrency 32] [--transports http,grpc,in-process,instant]
//                             [--etcd http://127.0.0.1:2379] [--skip-etcd] [--control]
//
// The server runs in its own process; the client runs here, so `CPU/call` is the client's CPU
// time per call. Rounds alternate the order of the two variants and measure them in short turns;
// each ratio is the median over all turns of full's against plain's beside it. `WHARF_BENCH_PIN=1`
// pins the server to CPU 0 and this process to the others.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { App } from '@wharf/core';
import { breakers, retry } from '@wharf/registry';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { pinServer } from '../lib/pin.js';
import { fmt, median, percentile, roundRatios } from '../lib/stats.js';
import { next } from '../lib/target-process.js';
import { clientChoice, fanIn, fanOut } from './etcd.js';
import {
  clientApp,
  closedLoop,
  combined,
  inProcessApp,
  instantApp,
  middlewareCost,
  type Sample,
  type Variant,
} from './pipeline.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '32' },
    'turn-ms': { type: 'string', default: '250' },
    etcd: { type: 'string', default: process.env.ETCD_URL ?? 'http://127.0.0.1:2379' },
    'skip-etcd': { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
    transports: { type: 'string', default: 'http,grpc,in-process,instant' },
  },
});
const rounds = Number(values.rounds);
const ms = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);

/** A fresh server process (pinned with WHARF_BENCH_PIN=1): its address per scheme, and how to stop it. */
async function startServer(): Promise<{ addressOf: (scheme: string) => string; stop: () => Promise<void> }> {
  const server = fork(new URL('./server.js', import.meta.url), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  pinServer(server);
  const { addresses } = await next<{ addresses: string[] }>(server, 'ready');
  return {
    addressOf: (scheme) => addresses.find((a) => a.startsWith(`${scheme}://`)) as string,
    stop: async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.send('stop');
      await exited;
    },
  };
}
type Server = Awaited<ReturnType<typeof startServer>>;

/** One comparison: each variant's rounds (turns combined) and its turns, aligned with the other's. */
type Row = { label: string; plain: Sample[]; full: Sample[]; plainTurns: Sample[]; fullTurns: Sample[] };
const rows: Row[] = [];

// Each round makes a fresh app per variant (in the round's order), warms both, then measures them
// in alternating quarter-second turns. A ratio is the median over all turns of full's turn against
// plain's turn beside it: the two are a quarter-second apart, so the shared machine's drift (±20 %
// from one run of a few seconds to the next) weighs on both. Ratios of whole rounds, as this bench
// printed before, swung by ±6 % between two identical apps (an A/A run: 0.94–1.06 over 9 rounds);
// the median of turn pairs stayed within 2 % of 1 in the same runs.
const SLICE_MS = Number(values['turn-ms']);
const instantLabel = 'HTTP path, no I/O';
// A network comparison starts a fresh server every round: with one server for the whole run, two
// identical gRPC clients (--control) differed by up to 6 % through all of a run's rounds.
async function compare(
  label: string,
  make: (variant: Variant, server: Server | undefined) => Promise<App>,
  network = false,
): Promise<void> {
  const row: Row = { label, plain: [], full: [], plainTurns: [], fullTurns: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Variant[] = round % 2 === 0 ? ['plain', 'full'] : ['full', 'plain'];
    const apps = new Map<Variant, App>();
    const server = network ? await startServer() : undefined;
    try {
      // --control makes both apps plain: the ratios it prints are the method's own noise.
      for (const variant of order) apps.set(variant, await make(values.control ? 'plain' : variant, server));
      for (const variant of order) await closedLoop(apps.get(variant) as App, concurrency, 500); // warm-up
      const slices = new Map<Variant, Sample[]>(order.map((v) => [v, []]));
      for (let turn = 0; turn < Math.max(1, Math.round(ms / SLICE_MS)); turn++) {
        for (const variant of turn % 2 === 0 ? order : [...order].reverse()) {
          slices.get(variant)?.push(await closedLoop(apps.get(variant) as App, concurrency, SLICE_MS));
        }
      }
      for (const variant of order) {
        row[variant].push(combined(slices.get(variant) ?? []));
        row[`${variant}Turns`].push(...(slices.get(variant) ?? []));
      }
    } finally {
      await Promise.allSettled([...apps.values()].map((app) => app.stop()));
      await server?.stop();
    }
  }
  rows.push(row);
}

const only = new Set((values.transports as string).split(','));
const unknown = [...only].filter((t) => !['http', 'grpc', 'in-process', 'instant'].includes(t));
if (unknown.length > 0) throw new Error(`Unknown --transports ${unknown.join(', ')}: use http, grpc, in-process, instant`);
const at = (server: Server | undefined, scheme: string) => (server as Server).addressOf(scheme);
if (only.has('http')) await compare('HTTP', (v, server) => clientApp(v, httpTransport(), at(server, 'http')), true);
if (only.has('grpc')) await compare('gRPC', (v, server) => clientApp(v, grpcTransport(), at(server, 'grpc')), true);
if (only.has('in-process')) await compare('in-process', (variant) => inProcessApp(variant));
if (only.has('instant')) await compare(instantLabel, (variant) => instantApp(variant));

console.log(
  values.control
    ? '\nControl run (--control): both variants are the plain pipeline, so every ratio should be 1; how far it is, is noise'
    : `\nClient pipeline: full (registry cache + routing + P2C + tracking + breaker + retry) vs plain (resolve + round robin)`,
);
console.log(
  `${rounds} alternating rounds of ${ms / 1000} s in ${SLICE_MS} ms turns, ${concurrency} concurrent calls; calls/s and CPU/call are medians of rounds, each ratio the median of full's turn over plain's turn beside it (25th–75th percentile of those in brackets)\n`,
);
console.log('| transport | plain calls/s | full calls/s | throughput ratio | plain CPU/call | full CPU/call | CPU ratio |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
const ratio = (full: readonly number[], plain: readonly number[]) => {
  const each = roundRatios(full, plain);
  return `${fmt(median(each), 3)} (${fmt(percentile(each, 25), 3)}–${fmt(percentile(each, 75), 3)})`;
};
for (const { label, plain, full, plainTurns, fullTurns } of rows) {
  const [pr, fr] = [median(plain.map((s) => s.rps)), median(full.map((s) => s.rps))];
  const [pc, fc] = [median(plain.map((s) => s.cpuMicrosPerCall)), median(full.map((s) => s.cpuMicrosPerCall))];
  const throughput = ratio(
    fullTurns.map((s) => s.rps),
    plainTurns.map((s) => s.rps),
  );
  const cpu = ratio(
    fullTurns.map((s) => s.cpuMicrosPerCall),
    plainTurns.map((s) => s.cpuMicrosPerCall),
  );
  console.log(`| ${label} | ${fmt(pr)} | ${fmt(fr)} | ${throughput} | ${fmt(pc, 1)} µs | ${fmt(fc, 1)} µs | ${cpu} |`);
}
console.log('\nPooled over all turns (all calls and all CPU of each variant, then divided): throughput ratio / CPU ratio');
for (const { label, plainTurns, fullTurns } of rows) {
  const [p, f] = [combined(plainTurns), combined(fullTurns)];
  console.log(`  ${label}: ${fmt(f.rps / p.rps, 3)} / ${fmt(f.cpuMicrosPerCall / p.cpuMicrosPerCall, 3)}`);
}
console.log("\nEach round's own throughput ratio (its turns combined, full / plain), in order (plain made first in odd rounds):");
for (const { label, plain, full } of rows) {
  const ratios = roundRatios(
    full.map((s) => s.rps),
    plain.map((s) => s.rps),
  );
  console.log(`  ${label}: ${ratios.map((r) => fmt(r, 3)).join(' ')}`);
}

const breaker = breakers();
const costs = { retry: await middlewareCost(retry()), breaker: await middlewareCost(breaker) };
breaker.close();
console.log(
  `\nPer call, over a terminal that resolves at once: retry ${fmt(costs.retry)} ns, breaker (opossum) ${fmt(costs.breaker)} ns`,
);

// Over the network the stack's cost is a few per cent of the call, close to the machine's noise.
// The same comparison over an instant transport has no network in it: its CPU difference is the
// stack's own cost per call, which the network rows then carry on top of a plain call.
const instant = rows.find((r) => r.label === instantLabel);
const network = rows.filter((r) => r.label === 'HTTP' || r.label === 'gRPC');
if (instant !== undefined && network.length > 0) {
  const own = median(instant.full.map((s) => s.cpuMicrosPerCall)) - median(instant.plain.map((s) => s.cpuMicrosPerCall));
  const shares = network.map((r) => `${r.label} ${fmt((own / median(r.plain.map((s) => s.cpuMicrosPerCall))) * 100, 1)} %`);
  console.log(
    `The stack's own client CPU per call (${instantLabel}, full − plain): ${fmt(own * 1000)} ns — on top of a plain call: ${shares.join(', ')}`,
  );
}

if (!values['skip-etcd']) {
  const url = values.etcd as string;
  const fanInMs = median([await fanIn(url, 1_000), await fanIn(url, 1_000), await fanIn(url, 1_000)]);
  const { seen, putMs } = await fanOut(url, 50);
  const spread = seen.sort((a, b) => a - b);
  const choice = await clientChoice(url, 2_000);
  console.log(`\netcd at ${url}`);
  console.log(`| measurement | result |`);
  console.log('|---|---:|');
  console.log(`| 1 000 instances registered → one watcher sees them all (median of 3) | ${fmt(fanInMs)} ms |`);
  console.log(
    `| one change → 50 watching clients: first / median / last | ${fmt(spread[0] ?? 0, 1)} / ${fmt(median(spread), 1)} / ${fmt(spread.at(-1) ?? 0, 1)} ms |`,
  );
  console.log(`| … of which the registration itself (lease + put, etcd's fsync) | ${fmt(putMs, 1)} ms |`);
  console.log(
    `| Range call, etcd3 package / bare @grpc/grpc-js (median) | ${fmt(choice.etcd3)} µs / ${fmt(choice.grpc)} µs (${fmt(choice.etcd3 / choice.grpc, 2)}×) |`,
  );
}
process.exit(0);
