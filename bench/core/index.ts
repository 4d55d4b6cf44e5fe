// bench/core: the cost of one call through Wharf's full in-process pipeline (client pipeline,
// in-memory transport with copies both ways, server pipeline with validation and the default
// 30 s deadline) against a plain async function call, a plain call plus the same zod parse, and
// Moleculer's local broker.call on the same handler with its validator on. Two more Wharf rows
// isolate costs: without a default deadline, and the server pipeline alone (what a network
// transport runs per request). Rounds alternate between contenders; medians are reported.
import { createApp, defineContract, implement } from '@wharf/core';
import { ServiceBroker } from 'moleculer';
import * as z from 'zod';
import { median } from '../lib/stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const CALLS = Number(process.env.CALLS ?? 200_000);

const input = z.object({ name: z.string().min(1).max(64) });
const output = z.object({ message: z.string() });
const greet = async ({ name }: { name: string }) => ({ message: `Hello, ${name}!` });

const contract = defineContract({ name: 'bench', version: 1, methods: { greet: { input, output } } });

type Contender = { name: string; call: (i: number) => Promise<unknown> };

async function measure(contender: Contender, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await contender.call(i);
  return Number(process.hrtime.bigint() - started) / calls;
}

const names = ['ada', 'grace', 'linus', 'barbara'];

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

  const broker = new ServiceBroker({ logger: false, validator: true, nodeID: 'bench' });
  broker.createService({
    name: 'bench',
    actions: {
      greet: { params: { name: { type: 'string', min: 1, max: 64 } }, handler: (ctx) => greet(ctx.params as { name: string }) },
    },
  });
  await broker.start();

  const contenders: Contender[] = [
    { name: 'plain async call', call: (i) => greet({ name: names[i & 3] as string }) },
    { name: 'plain call + zod parse', call: (i) => greet(input.parse({ name: names[i & 3] })) },
    { name: 'wharf client.greet (full pipeline)', call: (i) => client.greet({ name: names[i & 3] as string }) },
    { name: 'wharf client.greet, no default deadline', call: (i) => unboundedClient.greet({ name: names[i & 3] as string }) },
    {
      name: 'wharf server pipeline only (dispatch)',
      call: (i) => app.dispatch(endpoint, { name: names[i & 3] }, { transport: 'bench', metadata: {} }),
    },
    { name: 'moleculer broker.call (validator on)', call: (i) => broker.call('bench.greet', { name: names[i & 3] }) },
  ];

  for (const c of contenders) await measure(c, CALLS / 4); // warm-up: JIT, pools
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) samples.get(c.name)?.push(await measure(c, CALLS));
  }

  const ns = (name: string) => median(samples.get(name) ?? []);
  const plain = ns('plain async call');
  const wharf = ns('wharf client.greet (full pipeline)');
  const moleculer = ns('moleculer broker.call (validator on)');
  console.log(`bench/core — ${ROUNDS} alternating rounds × ${CALLS} sequential calls, medians (Node ${process.version})\n`);
  console.log('| contender | ns/call | calls/s | vs plain call |');
  console.log('|---|---:|---:|---:|');
  for (const c of contenders) {
    const v = ns(c.name);
    console.log(`| ${c.name} | ${v.toFixed(0)} | ${Math.round(1e9 / v).toLocaleString('en-US')} | ${(plain / v).toFixed(3)}× |`);
  }
  console.log(`\nwharf throughput / moleculer throughput: ${(moleculer / wharf).toFixed(2)}× (goal ≥ 2×)`);
  console.log(`wharf framework cost per call (minus plain call): ${(wharf - plain).toFixed(0)} ns`);

  await broker.stop();
  await unbounded.stop();
  await app.stop();
}

await main();
