// listDeadLetters / replayDeadLetters (what `wharf-kafka dlq` runs) on dead-letter topics written
// here directly: after retention removed letters ("they stay until the topic's retention removes
// them"), and with one event dead-lettered by two handlers of a service.
import { Admin, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { listDeadLetters, replayDeadLetters } from '@wharf/transport-kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKERS, deleteNamespace, kafkaAvailable, uniqueNamespace } from './helpers/kafka.js';

const available = await kafkaAvailable();

/** `work`, or a rejection saying it hung. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

describe.skipIf(!available)('the dead-letter tools', () => {
  const namespace = uniqueNamespace('dlt-retention');
  const topic = `${namespace}.ledger._dlt`;

  afterAll(async () => {
    await deleteNamespace(namespace);
  });

  it('lists what is left and replays nothing that is gone, without hanging', async () => {
    const admin = new Admin({ clientId: 'test', bootstrapBrokers: BROKERS.split(',') });
    const producer = new Producer({ clientId: 'test', bootstrapBrokers: BROKERS.split(','), serializers: stringSerializers });
    try {
      await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
      const letter = (id: string, partition: number) => ({
        topic,
        partition,
        key: id,
        value: '{}',
        headers: { ce_id: id, 'x-wharf-handler': 'ledger.book', 'x-wharf-error-code': 'UNAVAILABLE' },
      });
      await producer.send({
        messages: [letter('gone-1', 0), letter('gone-2', 0), letter('kept-1', 1)],
        acks: ProduceAcks.ALL,
      });
      // What retention does to old segments: partition 0's records are removed, up to its end (2,
      // unless a retried send under load wrote a batch twice: a CI run once listed gone-1 again).
      const [ends] = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
      const end = ends?.partitions.find((p) => p.partitionIndex === 0)?.offset ?? 2n;
      await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: end }] }] });
    } finally {
      await producer.close();
      await admin.close();
    }
    const letters = await within(25_000, listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger' }));
    expect(letters.map((l) => l.id)).toEqual(['kept-1']);
    const result = await within(25_000, replayDeadLetters({ brokers: BROKERS, namespace, service: 'ledger', ids: ['gone-1'] }));
    expect(result.notFound).toEqual(['gone-1']);
  }, 70_000);

  it('replaying an id replays its dead letter of every handler that failed it', async () => {
    const service = 'audit';
    const admin = new Admin({ clientId: 'test', bootstrapBrokers: BROKERS.split(',') });
    const producer = new Producer({ clientId: 'test', bootstrapBrokers: BROKERS.split(','), serializers: stringSerializers });
    try {
      await admin.createTopics({
        topics: [`${namespace}.${service}._dlt`, `${namespace}.${service}._retry.1`],
        partitions: 1,
        replicas: 1,
      });
      const letter = (handler: string) => ({
        topic: `${namespace}.${service}._dlt`,
        key: 'pay-9',
        value: '{}',
        headers: { ce_id: 'pay-9', 'x-wharf-handler': handler, 'x-wharf-error-code': 'UNAVAILABLE' },
      });
      await producer.send({ messages: [letter('audit.book'), letter('audit.notify')], acks: ProduceAcks.ALL });
    } finally {
      await producer.close();
      await admin.close();
    }
    const result = await replayDeadLetters({ brokers: BROKERS, namespace, service, ids: ['pay-9'] });
    expect(result.replayed.map((l) => l.handler).sort()).toEqual(['audit.book', 'audit.notify']);
    expect(result.notFound).toEqual([]);
    expect(await listDeadLetters({ brokers: BROKERS, namespace, service })).toEqual([]);
  }, 70_000);
});
