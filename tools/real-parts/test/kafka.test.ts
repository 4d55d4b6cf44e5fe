// Apache Kafka: create a topic, produce one keyed record with a header (acks from all in-sync
// replicas) and consume it back in a new consumer group, with @platformatic/kafka.
import { randomBytes } from 'node:crypto';
import {
  Admin,
  Consumer,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';

const available = await requireService('kafka', 'the Kafka smoke test');

describe.skipIf(!available)('Apache Kafka (KAFKA_BROKERS)', () => {
  it('produces one record and consumes it back from a new group', async () => {
    const bootstrapBrokers = serviceUrl('kafka').split(',');
    const id = randomBytes(4).toString('hex');
    const topic = `wharf-smoke-${id}`;
    const admin = new Admin({ clientId: `smoke-admin-${id}`, bootstrapBrokers });
    const producer = new Producer({ clientId: `smoke-producer-${id}`, bootstrapBrokers, serializers: stringSerializers });
    const consumer = new Consumer({
      clientId: `smoke-consumer-${id}`,
      groupId: `wharf-smoke-${id}`,
      bootstrapBrokers,
      deserializers: stringDeserializers,
    });
    try {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      await producer.send({
        messages: [{ topic, key: 'order-1', value: '{"placed":true}', headers: { 'x-request-id': id } }],
        acks: ProduceAcks.ALL,
      });
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: true });
      for await (const message of stream) {
        expect(message.key).toBe('order-1');
        expect(message.value).toBe('{"placed":true}');
        expect(message.headers.get('x-request-id')).toBe(id);
        break;
      }
      await stream.close();
    } finally {
      await consumer.close(true);
      await producer.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.close();
    }
  });
});
