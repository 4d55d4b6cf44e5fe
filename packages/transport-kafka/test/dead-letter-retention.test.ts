// Dead letters "stay until the topic's retention removes them": once it has, listing and
// replaying must still answer (with what is left), not wait forever for records that are gone.
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

describe.skipIf(!available)('dead letters after retention removed some', () => {
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
      // What retention does to old segments: partition 0's records are removed, its end stays at 2.
      await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 2n }] }] });
    } finally {
      await producer.close();
      await admin.close();
    }
    const letters = await within(15_000, listDeadLetters({ brokers: BROKERS, namespace, service: 'ledger' }));
    expect(letters.map((l) => l.id)).toEqual(['kept-1']);
    const result = await within(15_000, replayDeadLetters({ brokers: BROKERS, namespace, service: 'ledger', ids: ['gone-1'] }));
    expect(result.notFound).toEqual(['gone-1']);
  }, 40_000);
});
