// Emits the broker refuses for their size: each fails at once with a clear error, and the small
// emits sent alongside them (batched in the same produce request) are not held back.
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { type App, defineContract, On, Service, WharfError } from '@wharf/core';
import { listDeadLetters } from '@wharf/transport-kafka';
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

const files = defineContract({
  name: 'files',
  version: '1.0.0',
  methods: {},
  events: { stored: { payload: z.object({ fileId: z.string(), body: z.string() }), key: 'fileId' } },
});

@Service({ name: 'archive', version: '1.0.0' })
class Archive {
  @On(files.events.stored)
  keep() {}
}

const available = await kafkaAvailable();

describe.skipIf(!available)('Kafka emits too large for the broker', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('oversized');
  const apps = new Apps();
  let emitter: App;

  beforeAll(async () => {
    emitter = await apps.start({ name: 'files', namespace, kafka: { publishTimeoutMs: 15_000 } });
    await emitter.emit(files.events.stored, { fileId: 'warm-up', body: '' });
  });

  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('an event under maxMessageBytes that the broker refuses fails at once, and does not hold back the others', async () => {
    // The broker's limit (message.max.bytes, 1048588 by default) counts the record batch with its
    // headers, so a value of exactly maxMessageBytes (1 MiB) passes our check and not the broker's.
    const outcome = (p: Promise<void>) =>
      p.then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    const big = outcome(emitter.emit(files.events.stored, { fileId: 'f-big', body: 'x'.repeat(1024 * 1024 - 40) }));
    const small = Array.from({ length: 5 }, (_, i) =>
      outcome(emitter.emit(files.events.stored, { fileId: `f-${i}`, body: 'x' })),
    );
    const [bigResult, ...smallResults] = await Promise.all([big, ...small]);
    expect(smallResults.every((r) => r.ok)).toBe(true);
    expect(bigResult.ok).toBe(false);
    const error = (bigResult as { error: unknown }).error;
    expect(WharfError.is(error) && error.code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toMatch(/too large/i);
  }, 40_000);

  it('two large events of one key, each within the limits, are both acknowledged', async () => {
    // Together they exceed the broker's limit for one record batch; sent in one request they would be refused together.
    const body = 'y'.repeat(600 * 1024);
    await Promise.all([
      emitter.emit(files.events.stored, { fileId: 'f-pair', body }),
      emitter.emit(files.events.stored, { fileId: 'f-pair', body }),
    ]);
  }, 40_000);

  it('a record whose dead letter is too large for the broker is still dead-lettered, and its partition moves on', async () => {
    const archive = await apps.start({ name: 'archive', services: [new Archive()], namespace });
    const transport = apps.transports.at(-1);
    // A producer we did not write: a record that fits the broker, without ce_id, so it is
    // dead-lettered at once; the dead-letter headers (the reason, the source) push it over the limit.
    const producer = new Producer({ clientId: 'raw', bootstrapBrokers: BROKERS.split(','), serializers: stringSerializers });
    try {
      await producer.send({
        messages: [
          { topic: `${namespace}.files.stored`, key: 'raw', value: 'x'.repeat(1_048_300), headers: { ce_type: 'files.stored' } },
        ],
        acks: ProduceAcks.ALL,
      });
    } finally {
      await producer.close();
    }
    await eventually(
      async () =>
        (await listDeadLetters({ brokers: BROKERS, namespace, service: 'archive' })).some(
          (l) => l.sourceTopic === `${namespace}.files.stored` && l.code === 'INVALID_ARGUMENT',
        ),
      'the dead letter of the large record',
      20_000,
    );
    const [letter] = (await listDeadLetters({ brokers: BROKERS, namespace, service: 'archive' })).filter((l) =>
      l.message?.includes('ce_id'),
    );
    expect(letter?.message).toMatch(/too large for the dead-letter topic/);
    expect(letter?.body).toBe(''); // left out; the message says where the original is
    expect(letter?.message).toMatch(/partition \d+ offset \d+/);
    await eventually(() => transport?.stats().uncommitted === 0, 'the record committed');
    await apps.stop(archive);
  }, 40_000);
});
