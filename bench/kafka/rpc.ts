// bench:kafka ONLY=rpc — what request–reply over Kafka would cost, measured with the raw client
// before building it: a request topic consumed by a server group, a reply topic per client
// instance, correlation ids in headers; acks=all both ways. Prints round-trip latency (one call at
// a time) and throughput with CONCURRENCY calls in flight. The decision it informs is in
// docs/transports/kafka.md ("Request–reply").
import { randomBytes } from 'node:crypto';
import {
  Admin,
  Consumer,
  type Message,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { fmt, percentile } from '../lib/stats.js';

const BROKERS = (process.env.BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const SEQUENTIAL = Number(process.env.CALLS ?? 300);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 5);
const id = randomBytes(3).toString('hex');
const requests = `wharf-bench-rpc-${id}.requests`;
const replies = `wharf-bench-rpc-${id}.replies`;

type Msg = Message<string, string, string, string>;
const admin = new Admin({ clientId: 'rpc-bench', bootstrapBrokers: BROKERS });
await admin.createTopics({ topics: [requests, replies], partitions: 3, replicas: 1 });
// Not idempotent: 50 concurrent sends would exceed an idempotent producer's 5 requests in flight
// (OUT_OF_ORDER_SEQUENCE_NUMBER); acks=all still.
const producer = (name: string) =>
  new Producer<string, string, string, string>({
    clientId: name,
    bootstrapBrokers: BROKERS,
    idempotent: false,
    acks: ProduceAcks.ALL,
    serializers: stringSerializers,
  });
const consumer = (group: string) =>
  new Consumer<string, string, string, string>({
    clientId: group,
    groupId: group,
    bootstrapBrokers: BROKERS,
    groupProtocol: 'consumer',
    deserializers: stringDeserializers,
    maxWaitTime: 100,
  });

// Server: echo each request to the reply topic named in its headers, with its correlation id.
const serverOut = producer('rpc-server');
const server = consumer(`wharf-bench-rpc-${id}.server`);
const serverStream = await server.consume({ topics: [requests], mode: MessagesStreamModes.LATEST, autocommit: 1000 });
serverStream.on('data', (m: Msg) => {
  serverOut
    .send({
      messages: [
        {
          topic: m.headers.get('reply-to') as string,
          key: m.key,
          value: m.value,
          headers: { 'correlation-id': m.headers.get('correlation-id') as string },
        },
      ],
    })
    .catch(() => {});
});

// Client: one reply topic, read by a group of its own from the latest offset.
const clientOut = producer('rpc-client');
const client = consumer(`wharf-bench-rpc-${id}.client`);
const pending = new Map<string, () => void>();
const clientStream = await client.consume({ topics: [replies], mode: MessagesStreamModes.LATEST, autocommit: 1000 });
clientStream.on('data', (m: Msg) => pending.get(m.headers.get('correlation-id') as string)?.());
let next = 0;
const call = () =>
  new Promise<number>((resolve, reject) => {
    const correlation = String(next++);
    const started = performance.now();
    pending.set(correlation, () => {
      pending.delete(correlation);
      resolve(performance.now() - started);
    });
    clientOut
      .send({
        messages: [
          {
            topic: requests,
            key: correlation,
            value: '{"name":"Ada"}',
            headers: { 'reply-to': replies, 'correlation-id': correlation },
          },
        ],
      })
      .catch(reject);
  });

await new Promise((resolve) => setTimeout(resolve, 6_000)); // both groups settle
for (let i = 0; i < 20; i++) await call(); // warm-up
const sequential: number[] = [];
for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await call());
const loaded: number[] = [];
const until = performance.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < until) loaded.push(await call());
  }),
);
console.log(`Request–reply over Kafka (raw @platformatic/kafka, acks=all both ways, brokers ${BROKERS.join(',')}):`);
console.log(
  `  one at a time: p50 ${fmt(percentile(sequential, 50), 1)} ms, p99 ${fmt(percentile(sequential, 99), 1)} ms over ${SEQUENTIAL} calls`,
);
console.log(
  `  ${CONCURRENCY} in flight: ${fmt(loaded.length / SECONDS)} calls/s, p50 ${fmt(percentile(loaded, 50), 1)} ms, p99 ${fmt(percentile(loaded, 99), 1)} ms`,
);
await serverStream.close();
await clientStream.close();
for (const c of [server, client]) await (c.close as (force: boolean) => Promise<void>).call(c, true);
await serverOut.close();
await clientOut.close();
await admin.deleteTopics({ topics: [requests, replies] }).catch(() => {});
await admin.close();
process.exit(0);
