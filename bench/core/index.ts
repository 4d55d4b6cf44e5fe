// bench/core: the cost of one call through Wharf's full in-process pipeline against Moleculer's
// local broker.call (0.14 and 0.15) on the same handler with its validator on, and against a plain
// async function call with and without the same validation.
//
// What each Wharf call does: the client pipeline (request id, metadata, the default 30 s deadline,
// registry lookup and balancer in `resolve`), the in-memory transport (the input checked or
// copied so caller and handler never share an object, the output copied, errors rebuilt from
// their wire form), and the server pipeline (request log level check, zod validation of the
// input — compiled by z.compile where zod can, as Moleculer's fastest-validator compiles its
// schema —, deadline bookkeeping, in-flight tracking for graceful shutdown). Moleculer's call
// validates and runs the handler with its default options (no timeout, no copies).
//
// Two more Wharf rows isolate costs: without a default deadline, and the server pipeline alone
// (what a network transport runs per request). Two "floor" rows are not Wharf: they are the
// guarantees of its local call written by hand as one function (floor.ts), a lower bound for any
// implementation of them, printed as a ratio to Moleculer beside the goal. Rounds alternate the order of the contenders;
// medians are reported, of wall-clock time and of CPU time (process.cpuUsage), the latter less
// disturbed on a shared machine. ROUNDS and CALLS set the rounds and the calls per round.
import { createRequire } from 'node:module';
import { createApp, defineContract, implement } from '@wharf/core';
import * as z from 'zod';
import { median } from '../lib/stats.js';
import { floorCall } from './floor.js';

const require = createRequire(import.meta.url);

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const CALLS = Number(process.env.CALLS ?? 200_000);

const input = z.object({ name: z.string().min(1).max(64) });
const output = z.object({ message: z.string() });
const compiledInput = z.compile(input);
const greet = async ({ name }: { name: string }) => ({ message: `Hello, ${name}!` });

const contract = defineContract({ name: 'bench', version: 1, methods: { greet: { input, output } } });

type Contender = { name: string; call: (i: number) => Promise<unknown> };
interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

async function measure(contender: Contender, calls: number): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await contender.call(i);
  const wall = Number(process.hrtime.bigint() - started) / calls;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: ((used.user + used.system) * 1000) / calls };
}

const names = ['ada', 'grace', 'linus', 'barbara'];

interface Broker {
  createService(schema: unknown): unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
  call(action: string, params: unknown): Promise<unknown>;
}
type BrokerClass = (new (options: object) => Broker) & { MOLECULER_VERSION: string };

async function moleculer(module: string): Promise<{ version: string; broker: Broker }> {
  const { ServiceBroker } = require(module) as { ServiceBroker: BrokerClass };
  const broker = new ServiceBroker({ logger: false, validator: true, nodeID: `bench-${module}` });
  broker.createService({
    name: 'bench',
    actions: {
      greet: {
        params: { name: { type: 'string', min: 1, max: 64 } },
        handler: (ctx: { params: { name: string } }) => greet(ctx.params),
      },
    },
  });
  await broker.start();
  return { version: ServiceBroker.MOLECULER_VERSION, broker };
}

async function main(): Promise<void> {
  const app = createApp({
    name: 'bench',
    services: [implement(contract, { greet })],
    logger: { level: 'warn' },
    shutdown: { signals: false },
  });
  await app.start();
  const client = app.client(contract);
  // The same app without a default deadline: what the deadline machinery costs.
  const unbounded = createApp({
    name: 'bench-unbounded',
    services: [implement(contract, { greet })],
    logger: { level: 'warn' },
    shutdown: { signals: false },
    defaultTimeoutMs: null,
  });
  await unbounded.start();
  const unboundedClient = unbounded.client(contract);
  const endpoint = app.services[0]?.rpcs[0];
  if (endpoint === undefined) throw new Error('no endpoint');

  const m14 = await moleculer('moleculer');
  const m15 = await moleculer('moleculer-015');
  const mol14 = `moleculer ${m14.version} broker.call (validator on)`;
  const mol15 = `moleculer ${m15.version} broker.call (validator on)`;
  const wharfFull = 'wharf client.greet (full pipeline)';
  const floorBare = 'floor: the guarantees hand-inlined, no deadline';
  const floorBounded = 'floor: the guarantees hand-inlined, with a deadline';
  const bare = floorCall('bench.greet', (v) => compiledInput.parse(v), greet, false);
  const bounded = floorCall('bench.greet', (v) => compiledInput.parse(v), greet, true);

  const contenders: Contender[] = [
    { name: 'plain async call', call: (i) => greet({ name: names[i & 3] as string }) },
    { name: 'plain call + zod parse', call: (i) => greet(input.parse({ name: names[i & 3] })) },
    { name: 'plain call + compiled zod parse', call: (i) => greet(compiledInput.parse({ name: names[i & 3] })) },
    { name: wharfFull, call: (i) => client.greet({ name: names[i & 3] as string }) },
    { name: 'wharf client.greet, no default deadline', call: (i) => unboundedClient.greet({ name: names[i & 3] as string }) },
    {
      name: 'wharf server pipeline only (dispatch)',
      call: (i) => app.dispatch(endpoint, { name: names[i & 3] }, { transport: 'bench', metadata: {} }),
    },
    { name: floorBare, call: (i) => bare.call({ name: names[i & 3] }) },
    { name: floorBounded, call: (i) => bounded.call({ name: names[i & 3] }) },
    { name: mol14, call: (i) => m14.broker.call('bench.greet', { name: names[i & 3] }) },
    { name: mol15, call: (i) => m15.broker.call('bench.greet', { name: names[i & 3] }) },
  ];

  for (const c of contenders) await measure(c, CALLS / 4); // warm-up: JIT, pools
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) samples.get(c.name)?.push(await measure(c, CALLS));
  }

  const wall = (name: string) => median((samples.get(name) ?? []).map((s) => s.wall));
  const cpu = (name: string) => median((samples.get(name) ?? []).map((s) => s.cpu));
  const plain = wall('plain async call');
  console.log(`bench/core — ${ROUNDS} alternating rounds × ${CALLS} sequential calls, medians (Node ${process.version})\n`);
  console.log('| contender | ns/call | calls/s | vs plain call | CPU ns/call |');
  console.log('|---|---:|---:|---:|---:|');
  for (const c of contenders) {
    const v = wall(c.name);
    const row = [c.name, v.toFixed(0), Math.round(1e9 / v).toLocaleString('en-US'), `${(plain / v).toFixed(3)}×`];
    console.log(`| ${row.join(' | ')} | ${cpu(c.name).toFixed(0)} |`);
  }
  console.log('\nwharf throughput / moleculer throughput (goal ≥ 2×), from wall-clock and from CPU-time medians:');
  for (const mol of [mol14, mol15]) {
    console.log(
      `  vs ${mol.split(' broker')[0]}: ${(wall(mol) / wall(wharfFull)).toFixed(2)}× wall, ${(cpu(mol) / cpu(wharfFull)).toFixed(2)}× CPU`,
    );
  }
  console.log('the floor (not Wharf: the least any implementation of its guarantees costs) / moleculer:');
  for (const mol of [mol14, mol15]) {
    console.log(
      `  vs ${mol.split(' broker')[0]}: ${(cpu(mol) / cpu(floorBounded)).toFixed(2)}× CPU with a deadline, ${(cpu(mol) / cpu(floorBare)).toFixed(2)}× without`,
    );
  }
  console.log(`wharf framework cost per call (minus plain call): ${(wall(wharfFull) - plain).toFixed(0)} ns`);

  if (bare.inFlight + bounded.inFlight !== 0) throw new Error('the floor lost track of calls in flight');
  await m15.broker.stop();
  await m14.broker.stop();
  await unbounded.stop();
  await app.stop();
}

await main();
