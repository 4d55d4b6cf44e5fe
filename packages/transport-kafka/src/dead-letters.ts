import { randomBytes } from 'node:crypto';
import {
  Admin,
  Consumer,
  ListOffsetTimestamps,
  type Message,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializer,
  stringSerializer,
} from '@platformatic/kafka';
import { ownHeaders } from './copies.js';
import { intHeader } from './headers.js';
import { Header, kafkaNames } from './names.js';
import { brokerList } from './options.js';
import type { InRecord } from './partition-work.js';

/** Which service's dead letters, on which cluster. */
export interface DeadLetterOptions {
  /** Default `$KAFKA_BROKERS`, else `127.0.0.1:9092`. */
  readonly brokers?: string | readonly string[];
  readonly namespace?: string;
  readonly service: string;
  /** Dead letters returned at most (the oldest first); default 1 000. */
  readonly limit?: number;
  /** Include dead letters that were replayed already; default false. */
  readonly includeReplayed?: boolean;
}

/** One dead-lettered event and why it is there. */
export interface DeadLetter {
  /** The event id (`ce_id`). */
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly emitter: string | undefined;
  /** The error code, e.g. INVALID_ARGUMENT. */
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly details: unknown;
  readonly attempts: number | undefined;
  /** `<service>.<handler>`, where a replay sends it; the service alone when no handler matched. */
  readonly handler: string | undefined;
  readonly sourceTopic: string | undefined;
  readonly deadLetteredAt: number | undefined;
  /** Where it is in the dead-letter topic. */
  readonly partition: number;
  readonly offset: string;
  /** True when it was replayed since (a replay marker follows it). */
  readonly replayed: boolean;
  /** The value as text. */
  readonly body: string;
}

/** Which dead letters to replay. */
export interface ReplayOptions extends DeadLetterOptions {
  /** Event ids to replay. */
  readonly ids?: readonly string[];
  /** Replay every dead letter not yet replayed. */
  readonly all?: boolean;
}

/** What a replay did. */
export interface ReplayResult {
  readonly replayed: readonly DeadLetter[];
  /** Requested ids not found among the dead letters not yet replayed. */
  readonly notFound: readonly string[];
  /** Selected letters left in place, with the reason. */
  readonly skipped: readonly { readonly id: string | undefined; readonly reason: string }[];
}

type Record_ = Message<string, Buffer, string, string>;

function describe(record: Record_, replayed: boolean): DeadLetter {
  const h = record.headers;
  let details: unknown;
  const raw = h.get(Header.errorDetails);
  if (raw !== undefined) {
    try {
      details = JSON.parse(raw);
    } catch {
      details = raw;
    }
  }
  return {
    id: h.get(Header.id),
    event: h.get(Header.type),
    emitter: h.get(Header.source),
    code: h.get(Header.errorCode),
    message: h.get(Header.errorMessage),
    details,
    attempts: intHeader(h, Header.attempts),
    handler: h.get(Header.handler),
    sourceTopic: h.get(Header.sourceTopic),
    deadLetteredAt: intHeader(h, Header.deadLetteredAt),
    partition: record.partition,
    offset: String(record.offset),
    replayed,
    body: record.value?.toString('utf8') ?? '',
  };
}

interface Read {
  readonly letters: { readonly record: Record_; readonly letter: DeadLetter }[];
}

/** Reads the whole dead-letter topic (up to its end when the read began) with a throwaway group that commits nothing. */
async function readTopic(options: DeadLetterOptions): Promise<Read> {
  const brokers = brokerList(options.brokers);
  const topic = kafkaNames(options.namespace).deadLetterTopic(options.service);
  const admin = new Admin({ clientId: 'wharf-kafka', bootstrapBrokers: brokers });
  const groupId = `${topic}.reader-${randomBytes(4).toString('hex')}`;
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: 'wharf-kafka',
    groupId,
    bootstrapBrokers: brokers,
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) throw new Error(`No dead-letter topic ${topic}: check the service name and the namespace`);
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    // Retention removes old letters but leaves a partition's end where it was: only a partition
    // whose first record is before its end has records to wait for.
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST })).get(topic) ?? [];
    const remaining = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > (starts[partition] ?? 0n)) remaining.set(partition, end);
    });
    const records: Record_[] = [];
    if (remaining.size > 0) {
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      try {
        for await (const record of stream) {
          records.push(record);
          if (record.offset + 1n >= (remaining.get(record.partition) ?? 0n)) remaining.delete(record.partition);
          if (remaining.size === 0) break;
        }
      } finally {
        await stream.close().catch(() => {});
      }
    }
    // A replay marker covers the letters with its id and handler before it in its partition.
    const replayedBefore = new Map<string, bigint>();
    for (const record of records) {
      const id = record.headers.get(Header.replayed);
      if (id === undefined) continue;
      const key = `${record.partition}:${record.headers.get(Header.handler)}:${id}`;
      replayedBefore.set(key, record.offset);
    }
    const letters = records
      .filter((r) => !r.headers.has(Header.replayed))
      .map((record) => {
        const key = `${record.partition}:${record.headers.get(Header.handler)}:${record.headers.get(Header.id)}`;
        const marker = replayedBefore.get(key);
        return { record, letter: describe(record, marker !== undefined && marker > record.offset) };
      });
    return { letters };
  } finally {
    await (consumer.close as (force: boolean) => Promise<void>).call(consumer, true).catch(() => {});
    await admin.deleteGroups({ groups: [groupId] }).catch(() => {});
    await admin.close().catch(() => {});
  }
}

/** A service's dead letters, oldest first per partition (not those replayed already, unless asked); they stay in the topic. */
export async function listDeadLetters(options: DeadLetterOptions): Promise<DeadLetter[]> {
  const { letters } = await readTopic(options);
  const limit = options.limit ?? 1_000;
  return letters
    .map((l) => l.letter)
    .filter((l) => options.includeReplayed || !l.replayed)
    .slice(0, limit);
}

/**
 * Sends chosen dead letters back to the handler they name, through the service's first retry
 * topic (due at once, attempts counted afresh), then writes a replay marker after each in the
 * dead-letter topic, so it is not listed or replayed again.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const wanted = new Set(options.ids ?? []);
  if (!options.all && wanted.size === 0) throw new Error('Say which dead letters to replay: give event ids, or all');
  const names = kafkaNames(options.namespace);
  const { letters } = await readTopic(options);
  const producer = new Producer<string, Buffer, string, string>({
    clientId: 'wharf-kafka',
    bootstrapBrokers: brokerList(options.brokers),
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  const replayed: DeadLetter[] = [];
  const skipped: { id: string | undefined; reason: string }[] = [];
  // An id may have a dead letter per handler that failed it: each is replayed, so `wanted` stays whole.
  const found = new Set<string>();
  try {
    for (const { record, letter } of letters) {
      if (letter.replayed) continue;
      if (!options.all && (letter.id === undefined || !wanted.has(letter.id))) continue;
      if (letter.id !== undefined) found.add(letter.id);
      if (letter.handler === undefined || !letter.handler.startsWith(`${options.service}.`)) {
        skipped.push({ id: letter.id, reason: 'it names no handler of the service (no handler matched the event)' });
        continue;
      }
      const headers = ownHeaders(record as unknown as InRecord);
      headers[Header.handler] = letter.handler;
      headers[Header.notBefore] = String(Date.now());
      headers[Header.replays] = String((intHeader(record.headers, Header.replays) ?? 0) + 1);
      await producer.send({
        messages: [{ topic: names.retryTopic(options.service, 1), key: record.key, value: record.value, headers }],
      });
      const marker = { [Header.replayed]: letter.id ?? '', [Header.handler]: letter.handler, [Header.id]: letter.id ?? '' };
      await producer.send({
        messages: [
          { topic: record.topic, partition: record.partition, key: record.key, value: Buffer.alloc(0), headers: marker },
        ],
      });
      replayed.push(letter);
    }
  } finally {
    await producer.close().catch(() => {});
  }
  return { replayed, notFound: [...wanted].filter((id) => !found.has(id)), skipped };
}
