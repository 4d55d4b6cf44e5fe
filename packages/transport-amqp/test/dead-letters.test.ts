import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type App, type Context, defineContract, On, Service, WharfError } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, BROKER_URL, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/tools/cli.js', import.meta.url));

const payments = defineContract({
  name: 'payments',
  version: '1.0.0',
  methods: {},
  events: { settled: { payload: z.object({ payment: z.string(), cents: z.int() }) } },
});

let ledgerDown = true;
const booked: { payment: string; attempt: number }[] = [];

@Service({ name: 'ledger', version: '1.0.0' })
class Ledger {
  @On(payments.events.settled)
  book({ payment }: { payment: string }, ctx: Context) {
    if (ledgerDown) throw new WharfError('UNAVAILABLE', 'the ledger database is down');
    booked.push({ payment, attempt: ctx.event?.attempt ?? 0 });
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('the dead-letter command', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('dlq');
  const apps = new Apps();
  let producer: App;
  const cli = async (...args: string[]) =>
    (await run(process.execPath, [CLI, ...args, '--url', BROKER_URL, '--namespace', namespace])).stdout;
  const list = async () => JSON.parse(await cli('dlq', 'list', 'ledger', '--json')) as { id: string; code: string }[];

  beforeAll(async () => {
    await apps.start({
      name: 'ledger',
      services: [new Ledger()],
      namespace,
      amqp: { retry: { maxAttempts: 2, initialDelayMs: 50 } },
    });
    producer = await apps.start({ name: 'payments', namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('lists dead letters with their reason, and replays a chosen one back to its queue, where it is handled', async () => {
    await producer.emit(payments.events.settled, { payment: 'p1', cents: 100 }, { id: 'pay-1' });
    await producer.emit(payments.events.settled, { payment: 'p2', cents: 200 }, { id: 'pay-2' });
    await eventually(async () => (await list()).length === 2, 'two dead letters', 15_000);

    const text = await cli('dlq', 'list', 'ledger');
    expect(text).toContain('2 dead letter(s)');
    expect(text).toContain('UNAVAILABLE: the ledger database is down');
    expect(text).toContain(`source queue ${namespace}.ledger.on.book`);
    expect((await list()).map((d) => d.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);

    ledgerDown = false;
    const replay = await cli('dlq', 'replay', 'ledger', '--id', 'pay-1');
    expect(replay).toContain(`replayed pay-1 (payments.settled) to ${namespace}.ledger.on.book`);
    await eventually(() => booked.length === 1, 'the replayed event is handled');
    expect(booked).toEqual([{ payment: 'p1', attempt: 1 }]);
    expect((await list()).map((d) => d.id)).toEqual(['pay-2']);

    await cli('dlq', 'replay', 'ledger', '--all');
    await eventually(() => booked.length === 2, 'the rest is handled');
    expect(await list()).toEqual([]);
  }, 30_000);

  it('says what is wrong with a bad request', async () => {
    const missing = await run(process.execPath, [
      CLI,
      'dlq',
      'replay',
      'ledger',
      '--url',
      BROKER_URL,
      '--namespace',
      namespace,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('--id MESSAGE_ID') });
    const unknown = await run(process.execPath, [
      CLI,
      'dlq',
      'list',
      'nosuchservice',
      '--url',
      BROKER_URL,
      '--namespace',
      namespace,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('No dead-letter queue') });
    const notFound = await run(process.execPath, [
      CLI,
      'dlq',
      'replay',
      'ledger',
      '--id',
      'nope',
      '--url',
      BROKER_URL,
      '--namespace',
      namespace,
    ]).catch((e: { code: number; stdout: string }) => e);
    expect(notFound).toMatchObject({ code: 1, stdout: expect.stringContaining('not found: nope') });
  });
});
