import { randomUUID } from 'node:crypto';
import {
  Admin,
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializer,
  stringSerializer,
} from '@platformatic/kafka';
import { emitAll, now, payload, type RoundOptions } from './round.js';

type Record_ = Message<string, Buffer, string, string>;
const topicOf = (options: RoundOptions) => `${options.namespace}.bank.moved`;

/**
 * The raw producer doing Wharf's work: acks=all, idempotent, one produce request in flight
 * carrying what was produced meanwhile, the same headers (CloudEvents attributes, a request id).
 */
export async function rawProducer(options: RoundOptions, ready: () => Promise<void>): Promise<number> {
  const topic = topicOf(options);
  const admin = new Admin({ clientId: 'bench-raw', bootstrapBrokers: [...options.brokers] });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 }).catch(() => {});
  await admin.close();
  const producer = new Producer<string, Buffer, string, string>({
    clientId: 'bench-raw',
    bootstrapBrokers: [...options.brokers],
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  let queue: { message: Parameters<typeof producer.send>[0]['messages'][number]; done: (error?: unknown) => void }[] = [];
  let sending = false;
  const flush = () => {
    if (sending || queue.length === 0) return;
    const batch = queue.slice(0, 1_000);
    queue = queue.slice(1_000);
    sending = true;
    producer
      .send({ messages: batch.map((p) => p.message) })
      .then(
        () => {
          for (const p of batch) p.done();
        },
        (error) => {
          for (const p of batch) p.done(error ?? new Error('send failed'));
        },
      )
      .finally(() => {
        sending = false;
        flush();
      });
  };
  const send = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const body = payload(n);
      const headers = {
        ce_specversion: '1.0',
        ce_id: randomUUID(),
        ce_type: 'bank.moved',
        ce_source: 'bank',
        ce_time: new Date().toISOString(),
        'content-type': 'application/json',
        'x-wharf-timestamp-ms': String(Date.now()),
        'x-request-id': `req-${n}`,
      };
      queue.push({
        message: { topic, key: body.id, value: Buffer.from(JSON.stringify(body)), headers },
        done: (error) => (error === undefined ? resolve() : reject(error)),
      });
      flush();
    });
  await send(-1);
  await ready();
  const producedMs = await emitAll(options, send);
  await producer.close();
  return producedMs;
}

/** The raw consumer: parses each value and commits after it, one commit request per partition at a time. */
export async function rawConsumer(
  options: RoundOptions,
  handled: (latencyMs: number, n: number) => void,
): Promise<() => Promise<void>> {
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: 'bench-raw',
    groupId: `${options.namespace}.raw`,
    bootstrapBrokers: [...options.brokers],
    groupProtocol: 'consumer',
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  const stream = await consumer.consume({
    topics: [topicOf(options)],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  const committing = new Map<number, { busy: boolean; latest: Record_ | undefined }>();
  const commit = (message: Record_) => {
    let state = committing.get(message.partition);
    if (state === undefined) {
      state = { busy: false, latest: undefined };
      committing.set(message.partition, state);
    }
    state.latest = message;
    if (state.busy) return;
    const s = state;
    s.busy = true;
    void (async () => {
      for (let next = s.latest; next !== undefined; next = s.latest) {
        s.latest = undefined;
        await Promise.resolve(next.commit()).catch(() => {});
      }
      s.busy = false;
    })();
  };
  stream.on('data', (message: Record_) => {
    const body = JSON.parse((message.value as Buffer).toString('utf8')) as { sentAt: number; n: number };
    handled(now() - body.sentAt, body.n);
    commit(message);
  });
  return async () => {
    await stream.close();
    await (consumer.close as (force: boolean) => Promise<void>).call(consumer, true);
  };
}
