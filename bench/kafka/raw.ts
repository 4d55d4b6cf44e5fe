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
import { drive, figures, now, payload, type Round, type RoundOptions } from './round.js';

interface Pending {
  readonly message: { topic: string; key: string; value: Buffer; headers: Record<string, string> };
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The raw client doing the same work: acks=all, idempotent, one produce request in flight, the
 * same headers (CloudEvents attributes, a request id); a consumer that parses each value and
 * commits after it, one commit request per partition at a time (the latest offset wins).
 */
export async function rawRound(options: RoundOptions): Promise<Round> {
  const topic = `${options.namespace}.bank.moved`;
  const brokers = [...options.brokers];
  const admin = new Admin({ clientId: 'bench-raw', bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
  const producer = new Producer<string, Buffer, string, string>({
    clientId: 'bench-raw',
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  // One request in flight, carrying whatever was produced meanwhile (an idempotent producer
  // allows at most 5 requests in flight per partition).
  let queue: Pending[] = [];
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
          for (const p of batch) p.resolve();
        },
        (error) => {
          for (const p of batch) p.reject(error);
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
      queue.push({
        message: {
          topic,
          key: body.id,
          value: Buffer.from(JSON.stringify(body)),
          headers: {
            ce_specversion: '1.0',
            ce_id: randomUUID(),
            ce_type: 'bank.moved',
            ce_source: 'bank',
            ce_time: new Date().toISOString(),
            'content-type': 'application/json',
            'x-wharf-timestamp-ms': String(Date.now()),
            'x-request-id': `req-${n}`,
          },
        },
        resolve,
        reject,
      });
      flush();
    });

  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: 'bench-raw',
    groupId: `${options.namespace}.raw`,
    bootstrapBrokers: brokers,
    groupProtocol: 'consumer',
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  const latencies: number[] = [];
  let handled = 0;
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  const committing = new Map<number, { busy: boolean; latest: Message<string, Buffer, string, string> | undefined }>();
  const commit = (message: Message<string, Buffer, string, string>) => {
    let state = committing.get(message.partition);
    if (state === undefined) {
      state = { busy: false, latest: undefined };
      committing.set(message.partition, state);
    }
    state.latest = message;
    if (state.busy) return;
    const s = state;
    const loop = async () => {
      s.busy = true;
      for (let next = s.latest; next !== undefined; next = s.latest) {
        s.latest = undefined;
        await Promise.resolve(next.commit()).catch(() => {});
      }
      s.busy = false;
    };
    void loop();
  };
  stream.on('data', (message: Message<string, Buffer, string, string>) => {
    const body = JSON.parse((message.value as Buffer).toString('utf8')) as { sentAt: number; n: number };
    if (body.n >= 0) {
      latencies.push(now() - body.sentAt);
      handled++;
    }
    commit(message);
  });
  await send(-1);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const producedMs = await drive(options, send, () => handled);
  const consumedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await stream.close();
  await (consumer.close as (force: boolean) => Promise<void>).call(consumer, true);
  await producer.close();
  return figures(options, producedMs, consumedMs, latencies, used);
}
