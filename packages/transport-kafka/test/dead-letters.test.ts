import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { type App, type Context, defineContract, On, Service, WharfError } from '@wharf/core';
import { listDeadLetters, replayDeadLetters } from '@wharf/transport-kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  Apps,
  BROKERS,
  deleteNamespace,
  eventually,
  installCrashGuard,
  kafkaAvailable,
  uniqueNamespace,
} from './helpers/kafka.js';

const payments = defineContract({
  name: 'payments',
  version: '1.0.0',
  methods: {},
  events: { settled: { payload: z.object({ payment: z.string(), cents: z.number().int() }), key: 'payment' } },
});

const attempts = new Map<string, number[]>();
let ledgerUp = false;

@Service({ name: 'ledger', version: '1.0.0' })
class Ledger {
  @On(payments.events.settled)
  book(payload: { payment: string; cents: number }, ctx: Context) {
    const list = attempts.get(payload.payment) ?? [];
    list.push(ctx.event?.attempt ?? 0);
    attempts.set(payload.payment, list);
    if (payload.payment.startsWith('fail') && !ledgerUp) throw new WharfError('UNAVAILABLE', 'the ledger database is down');
    if (payload.payment.startsWith('bad')) throw new WharfError('FAILED_PRECONDITION', `no account for ${payload.payment}`);
  }
}

const available = await kafkaAvailable();

describe.skipIf(!available)('Kafka retries, dead letters and replay', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('dlt');
  const apps = new Apps();
  let emitter: App;

  beforeAll(async () => {
    emitter = await apps.start({ name: 'payments', namespace });
    await apps.start({ name: 'ledger', services: [new Ledger()], namespace });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('retries a failing handler through the retry topics, then dead-letters it with the reason', async () => {
    await emitter.emit(payments.events.settled, { payment: 'fail-1', cents: 100 }, { id: 'pay-1' });
    await eventually(
      async () => (await listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger' })).length > 0,
      'a dead letter',
    );
    expect(attempts.get('fail-1')).toEqual([1, 2, 3]); // maxAttempts 3
    const [letter] = await listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger' });
    expect(letter).toMatchObject({
      id: 'pay-1',
      event: 'payments.settled',
      emitter: 'payments',
      code: 'UNAVAILABLE',
      message: 'the ledger database is down',
      attempts: 3,
      handler: 'ledger.book',
      sourceTopic: `${namespace}.payments.settled`,
      replayed: false,
      body: '{"payment":"fail-1","cents":100}',
    });
  });

  it('sends a schema-invalid event and one that is not JSON straight to the dead-letter topic', async () => {
    // A producer we did not write, sending what Wharf would refuse.
    const producer = new Producer({ clientId: 'raw', bootstrapBrokers: BROKERS.split(','), serializers: stringSerializers });
    try {
      const topic = `${namespace}.payments.settled`;
      const headers = (id: string) => ({
        ce_id: id,
        ce_type: 'payments.settled',
        ce_source: 'raw',
        'content-type': 'application/json',
      });
      await producer.send({
        messages: [
          { topic, key: 'x', value: '{"payment":"p-bad","cents":1.5}', headers: headers('invalid-1') },
          { topic, key: 'y', value: 'not json', headers: headers('garbage-1') },
          { topic, key: 'z', value: '{"payment":"p-noid","cents":1}', headers: { ce_type: 'payments.settled' } },
        ],
        acks: ProduceAcks.ALL,
      });
    } finally {
      await producer.close();
    }
    let letters: Awaited<ReturnType<typeof listDeadLetters>> = [];
    await eventually(async () => {
      letters = await listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger' });
      return letters.length >= 4;
    }, 'three more dead letters');
    const invalid = letters.find((l) => l.id === 'invalid-1');
    expect(invalid).toMatchObject({ code: 'INVALID_ARGUMENT', attempts: 1, handler: 'ledger.book' });
    expect(invalid?.details).toMatchObject({ fieldViolations: [{ field: 'cents' }] });
    expect(letters.find((l) => l.id === 'garbage-1')).toMatchObject({ code: 'INVALID_ARGUMENT', attempts: 1 });
    expect(letters.find((l) => l.id === 'garbage-1')?.message).toMatch(/not valid JSON/);
    expect(letters.find((l) => l.id === undefined)?.message).toMatch(/ce_id/);
    expect(attempts.has('p-bad')).toBe(false); // the handler never ran
  });

  it('replays a dead letter to its handler once the cause is fixed, and lists it no more', async () => {
    ledgerUp = true;
    const result = await replayDeadLetters({ brokers: BROKERS, namespace, service: 'ledger', ids: ['pay-1', 'nope'] });
    expect(result.replayed.map((l) => l.id)).toEqual(['pay-1']);
    expect(result.notFound).toEqual(['nope']);
    await eventually(() => (attempts.get('fail-1') ?? []).length === 4, 'the replayed attempt');
    expect(attempts.get('fail-1')).toEqual([1, 2, 3, 1]); // attempts counted afresh
    const left = await listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger' });
    expect(left.map((l) => l.id)).not.toContain('pay-1');
    const all = await listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger', includeReplayed: true });
    expect(all.find((l) => l.id === 'pay-1')?.replayed).toBe(true);
  });
});
