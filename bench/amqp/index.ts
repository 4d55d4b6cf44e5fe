// bench/amqp: Wharf's AMQP transport against raw amqplib doing the same work, in one run.
//   RPC: `bench.echo` with 50 calls in flight — Wharf (full client and server pipelines,
//        deadline as expiration + timer, metadata headers) vs. raw direct reply-to with noDelay.
//   Events: publishes with 200 unconfirmed in flight — Wharf `emit` (schema check, confirm,
//        headers) vs. a raw confirm-channel publish, both into a durable quorum queue with a consumer.
// Server and load generator run in separate processes; rounds alternate the order of the
// contenders (RabbitMQ takes a core here); medians are reported, with the server's CPU per message.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { topologyNames } from '@wharf/transport-amqp';
import amqp from 'amqplib';
import { fmt, median } from '../lib/stats.js';
import { BROKER, type Command, type Kind, type Report, rawNames } from './shared.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 3);
const WARMUP = Number(process.env.WARMUP ?? 1);

interface Result {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU per message handled, µs. */
  readonly serverCpu: number;
  /** Load-generator CPU per operation, µs. */
  readonly clientCpu: number;
  /** Messages the server handled per second. */
  readonly handledRate: number;
}

function child(script: string, args: string[]): ChildProcess {
  return fork(new URL(script, import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next(process: ChildProcess, pick: (report: Report) => boolean): Promise<Report> {
  return new Promise((resolve, reject) => {
    const onMessage = (report: Report) => {
      if ('error' in report) reject(new Error(report.error));
      else if (pick(report)) {
        process.off('message', onMessage);
        resolve(report);
      }
    };
    process.on('message', onMessage);
    process.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`child exited with ${code}`))));
  });
}

async function cleanup(namespace: string): Promise<void> {
  const names = topologyNames(namespace);
  const raw = rawNames(namespace);
  const connection = await amqp.connect(BROKER);
  connection.on('error', () => {});
  const queues = [
    names.rpcQueue('bench', 1),
    names.handlerQueue('bench', 'tick'),
    names.deadLetterQueue('bench'),
    ...[1_000, 3_000, 9_000, 27_000].map((d) => names.delayQueue(d)),
    raw.rpcQueue,
    raw.eventQueue,
  ];
  for (const name of queues) {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.deleteQueue(name).catch(() => {});
    await channel.close().catch(() => {});
  }
  for (const name of [names.eventsExchange, names.delayExchange, raw.exchange]) {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.deleteExchange(name).catch(() => {});
    await channel.close().catch(() => {});
  }
  await connection.close();
}

async function runOnce(kind: Kind): Promise<Result> {
  const namespace = `wharf-bench.${randomBytes(4).toString('hex')}`;
  const server = child('./server.js', [kind, namespace]);
  try {
    await next(server, (r) => 'ready' in r);
    const load = child('./load.js', [kind, namespace, String(SECONDS), String(WARMUP)]);
    const loadDone = next(load, (r) => 'load' in r);
    await next(load, (r) => 'started' in r);
    server.send({ cmd: 'start' } satisfies Command);
    const report = (await loadDone) as Extract<Report, { load: unknown }>;
    const serverReport = next(server, (r) => 'server' in r);
    server.send({ cmd: 'stop' } satisfies Command);
    const { server: s } = (await serverReport) as Extract<Report, { server: unknown }>;
    const { load: l } = report;
    return {
      rate: l.count / l.seconds,
      p50: l.p50,
      p99: l.p99,
      serverCpu: s.handled > 0 ? (s.cpuMs * 1000) / s.handled : Number.NaN,
      clientCpu: (l.cpuMs * 1000) / l.count,
      handledRate: s.handled / l.seconds,
    };
  } finally {
    if (server.exitCode === null) server.kill();
    await cleanup(namespace);
  }
}

function row(label: string, results: readonly Result[], unit: string): string {
  const m = (f: (r: Result) => number) => median(results.map(f));
  return [
    label.padEnd(24),
    `${fmt(m((r) => r.rate))} ${unit}/s`.padStart(16),
    `p50 ${fmt(
      m((r) => r.p50),
      2,
    )} ms`.padStart(15),
    `p99 ${fmt(
      m((r) => r.p99),
      2,
    )} ms`.padStart(15),
    `server ${fmt(
      m((r) => r.serverCpu),
      1,
    )} µs`.padStart(18),
    `client ${fmt(
      m((r) => r.clientCpu),
      1,
    )} µs`.padStart(18),
    `handled ${fmt(m((r) => r.handledRate))}/s`.padStart(20),
  ].join('');
}

async function main(): Promise<void> {
  const results: Record<Kind, Result[]> = { 'wharf-rpc': [], 'raw-rpc': [], 'wharf-events': [], 'raw-events': [] };
  const only = process.env.ONLY;
  const pairs = (
    [
      ['wharf-rpc', 'raw-rpc'],
      ['wharf-events', 'raw-events'],
    ] as [Kind, Kind][]
  ).filter(([kind]) => only === undefined || kind.endsWith(only));
  console.log(
    `bench/amqp: ${ROUNDS} rounds × ${SECONDS} s (+${WARMUP} s warm-up) per contender, against ${BROKER.replace(/:[^:@/]*@/, ':***@')}`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const pair of pairs) {
      const order = round % 2 === 0 ? pair : ([pair[1], pair[0]] as const);
      for (const kind of order) {
        const result = await runOnce(kind);
        results[kind].push(result);
        console.log(
          `  round ${round + 1} ${kind.padEnd(13)} ${fmt(result.rate).padStart(7)}/s  p99 ${fmt(result.p99, 2)} ms  server ${fmt(result.serverCpu, 1)} µs/msg`,
        );
      }
    }
  }
  const rate = (kind: Kind) => median(results[kind].map((r) => r.rate));
  const p99 = (kind: Kind) => median(results[kind].map((r) => r.p99));
  const cpu = (kind: Kind) => median(results[kind].map((r) => r.serverCpu));
  if (only !== undefined) return;
  console.log('\nmedians (server CPU per message handled; client CPU per call or publish)');
  console.log(row('Wharf RPC (50 in flight)', results['wharf-rpc'], 'calls'));
  console.log(row('raw amqplib RPC', results['raw-rpc'], 'calls'));
  console.log(row('Wharf emit (confirmed)', results['wharf-events'], 'events'));
  console.log(row('raw confirm publish', results['raw-events'], 'events'));
  // Each round runs both contenders back to back, under the same load from the rest of the
  // machine: the median of the per-round ratios is steadier than the ratio of the medians.
  const paired = (wharf: Kind, raw: Kind, f: (r: Result) => number) =>
    median(results[wharf].map((r, i) => f(r) / f(results[raw][i] as Result)));
  console.log(
    `\nper-round ratios Wharf/raw (median): RPC calls/s ${fmt(
      paired('wharf-rpc', 'raw-rpc', (r) => r.rate),
      2,
    )}×, RPC p99 ${fmt(
      paired('wharf-rpc', 'raw-rpc', (r) => r.p99),
      2,
    )}×, server CPU/call ${fmt(
      paired('wharf-rpc', 'raw-rpc', (r) => r.serverCpu),
      2,
    )}×; confirmed events/s ${fmt(
      paired('wharf-events', 'raw-events', (r) => r.rate),
      2,
    )}×, consumer CPU/event ${fmt(
      paired('wharf-events', 'raw-events', (r) => r.serverCpu),
      2,
    )}×`,
  );
  console.log(
    `ratios of medians Wharf/raw: RPC calls/s ${fmt(rate('wharf-rpc') / rate('raw-rpc'), 2)}×, RPC p99 ${fmt(p99('wharf-rpc') / p99('raw-rpc'), 2)}×, server CPU/call ${fmt(cpu('wharf-rpc') / cpu('raw-rpc'), 2)}×; confirmed events/s ${fmt(rate('wharf-events') / rate('raw-events'), 2)}×, consumer CPU/event ${fmt(cpu('wharf-events') / cpu('raw-events'), 2)}×`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
