import {
  Consumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializer,
} from '@platformatic/kafka';
import type { Logger } from '@wharf/core/transport';
import { CommitTimeout, type InRecord, PartitionWork } from './partition-work.js';

/** What a group consumer consumes and what it does with each record. */
export interface GroupConsumerOptions {
  /** For logs and readiness, e.g. `orders` or `orders (retries)`. */
  readonly name: string;
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly groupProtocol: 'consumer' | 'classic';
  readonly maxInFlight: number;
  readonly logger: () => Logger;
  /** The topics to subscribe to, created if needed; asked again on every (re)subscription. */
  topics(): Promise<string[]>;
  /** Handles one record; resolves true when it is done (its offset may be committed). Never rejects. */
  handle(record: InRecord): Promise<boolean>;
  attached(name: string): void;
  detached(name: string): void;
  /** Called when the consumer was rebuilt after a failure. */
  rebuilt(): void;
  /** Called when the broker refused an offset commit. */
  commitRefused(): void;
}

/** Closes a consumer (leaving its group), whatever went wrong with it before. */
function closeQuietly(consumer: KafkaConsumer): Promise<void> {
  return (consumer.close as (force: boolean) => Promise<void>).call(consumer, true).catch(() => {});
}

const BACKOFF_MIN_MS = 200;
const ASSIGNMENT_GRACE_MS = 1_000;
const BACKOFF_MAX_MS = 5_000;

type KafkaConsumer = Consumer<string, Buffer, string, string>;
type KafkaStream = MessagesStream<string, Buffer, string, string>;

/**
 * One consumer group member: consumes its topics from the committed offsets (the earliest when
 * a partition has none), hands each record to `handle` in per-key order, commits only what is
 * done, bounds the records in flight, and rebuilds itself with backoff when its stream fails
 * (a broker restart). Closing stops taking records, lets the running ones finish and commit,
 * then leaves the group at once, so the others take over its partitions without a session timeout.
 */
export class GroupConsumer {
  readonly #options: GroupConsumerOptions;
  #consumer: KafkaConsumer | undefined;
  #stream: KafkaStream | undefined;
  #topics: string[] = [];
  #work = new Map<string, PartitionWork>();
  #inFlight = 0;
  #paused = false;
  #stopping = false;
  #closed = false;
  #rebuilding: Promise<void> | undefined;
  #assignedCache: { source: unknown; set: Set<string> } | undefined;
  #idle: (() => void)[] = [];
  /** Commits of the current client that went unanswered; two mean it is wedged and is replaced. */
  #commitTimeouts = 0;

  constructor(options: GroupConsumerOptions) {
    this.#options = options;
  }

  get name(): string {
    return this.#options.name;
  }

  /** Records being handled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Records received and not yet committed (running, queued behind their key, or done behind one that is not). */
  get uncommitted(): number {
    let n = 0;
    for (const work of this.#work.values()) if (!work.abandoned) n += work.open;
    return n;
  }

  /**
   * Joins the group and starts consuming, trying again with backoff (a cluster still starting
   * has no group coordinator yet); rejects with the last failure once `deadline` (epoch ms) passed.
   */
  async start(deadline: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#subscribe();
        return;
      } catch (error) {
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 5));
        if (this.#closed || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #subscribe(): Promise<void> {
    const topics = await this.#options.topics();
    if (this.#closed) return;
    if (topics.length === 0) {
      // Only wildcard patterns, and no topic matches yet: `refresh` subscribes once one does.
      this.#topics = [];
      this.#options.attached(this.name);
      return;
    }
    const consumer = new Consumer<string, Buffer, string, string>({
      clientId: this.#options.clientId,
      groupId: this.#options.groupId,
      bootstrapBrokers: [...this.#options.brokers],
      ...(this.#options.groupProtocol === 'consumer' ? { groupProtocol: 'consumer' as const } : {}),
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      retries: 3,
      retryDelay: 250,
      timeout: 5_000,
      maxWaitTime: 500,
    } as ConstructorParameters<typeof Consumer<string, Buffer, string, string>>[0]);
    consumer.on('error', (error: unknown) =>
      this.#options.logger().debug({ err: error, consumer: this.name }, 'Kafka consumer error'),
    );
    this.#consumer = consumer;
    let stream: KafkaStream;
    try {
      stream = await consumer.consume({
        topics,
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
      });
    } catch (error) {
      this.#consumer = undefined;
      await closeQuietly(consumer);
      throw error;
    }
    if (this.#closed) {
      await stream.close().catch(() => {});
      await closeQuietly(consumer);
      return;
    }
    this.#topics = topics;
    this.#stream = stream;
    this.#commitTimeouts = 0;
    this.#paused = false;
    stream.on('data', (message: Message<string, Buffer, string, string>) => this.#deliver(message));
    stream.on('error', (error: Error) => this.#failed(stream, error));
    stream.on('close', () => this.#failed(stream, undefined));
    this.#options.attached(this.name);
  }

  /** Subscribes again when the topics changed (a new topic matches a wildcard pattern). */
  async refresh(): Promise<void> {
    if (this.#closed || this.#stopping || this.#rebuilding !== undefined) return;
    const topics = await this.#options.topics();
    if (topics.length === this.#topics.length && topics.every((t) => this.#topics.includes(t))) return;
    this.#options.logger().info({ consumer: this.name, topics }, 'Kafka consumer subscribing to new topics');
    this.#rebuild(undefined);
  }

  #failed(stream: KafkaStream, error: Error | undefined): void {
    if (this.#stream !== stream || this.#closed || this.#stopping) return;
    this.#options.logger().warn({ err: error, consumer: this.name }, 'Kafka consumer stream failed; rejoining');
    this.#rebuild(error);
  }

  /** Replaces the consumer: work of the old one finishes but commits nothing; its records come again. */
  #rebuild(error: Error | undefined): void {
    if (this.#rebuilding !== undefined) return;
    if (error !== undefined) this.#options.detached(this.name);
    const old = { stream: this.#stream, consumer: this.#consumer };
    this.#stream = undefined;
    this.#consumer = undefined;
    for (const work of this.#work.values()) work.abandon();
    this.#work = new Map();
    this.#rebuilding = (async () => {
      await old.stream?.close().catch(() => {});
      if (old.consumer !== undefined) await closeQuietly(old.consumer);
      for (let attempt = 0; !this.#closed && !this.#stopping; attempt++) {
        try {
          await this.#subscribe();
          if (error !== undefined) this.#options.rebuilt();
          return;
        } catch (failure) {
          const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 5));
          if (attempt % 10 === 0) {
            this.#options
              .logger()
              .warn({ err: failure, consumer: this.name, retryInMs: delay }, 'Cannot join the Kafka consumer group yet');
          }
          await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)));
        }
      }
    })().finally(() => {
      this.#rebuilding = undefined;
    });
  }

  #assigned(topic: string, partition: number): boolean {
    const assignments = this.#consumer?.assignments;
    if (assignments === null || assignments === undefined) return this.#consumer !== undefined;
    if (this.#assignedCache?.source !== assignments) {
      const set = new Set<string>();
      for (const a of assignments) for (const p of a.partitions) set.add(`${a.topic}:${p}`);
      this.#assignedCache = { source: assignments, set };
    }
    return this.#assignedCache.set.has(`${topic}:${partition}`);
  }

  /**
   * Waits up to a second for a partition missing from the assignment to come back: the client
   * updates its assignment in steps while it rejoins, and a record skipped on a glitch would wait
   * for the next rebalance.
   */
  async #stillAssigned(record: InRecord): Promise<boolean> {
    for (let waited = 0; waited < ASSIGNMENT_GRACE_MS; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (this.#stopping) return false;
      if (this.#assigned(record.topic, record.partition)) return true;
    }
    return false;
  }

  #deliver(message: Message<string, Buffer, string, string>): void {
    const id = `${message.topic}:${message.partition}`;
    let work = this.#work.get(id);
    if (work?.abandoned && message.offset >= work.next) {
      // Records of this partition were skipped as revoked, yet it is still fetched from where it
      // was: it is ours after all. Reading again from the committed offset is the only way to
      // get the skipped records back, so the consumer rejoins; nothing past them is committed.
      this.#options.logger().info({ consumer: this.name, partition: id }, 'A partition thought revoked is still ours; rejoining');
      this.#rebuild(undefined);
      return;
    }
    if (work === undefined || message.offset < work.next) {
      // A new partition, or the client rewound to the committed offset (after a rebalance): a new generation of work.
      work?.abandon();
      work = new PartitionWork((error) => {
        this.#options.commitRefused();
        this.#options.logger().debug({ err: error, consumer: this.name, partition: id }, 'Kafka refused an offset commit');
        // A client whose commits go unanswered (seen after a broker restart) would leave every
        // record since to be delivered again: replace it, reading again from what was committed.
        if (error instanceof CommitTimeout && ++this.#commitTimeouts === 2) {
          this.#options.logger().warn({ consumer: this.name }, 'Kafka does not answer offset commits; rejoining');
          this.#rebuild(error);
        }
      });
      this.#work.set(id, work);
    }
    const record: InRecord = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key === undefined || message.key === null ? undefined : String(message.key),
      value: message.value ?? undefined,
      headers: message.headers,
      commit: () => message.commit(),
    };
    this.#inFlight++;
    if (this.#inFlight >= this.#options.maxInFlight && !this.#paused) {
      this.#paused = true;
      this.#stream?.pause();
    }
    const current = work;
    current.add(
      record,
      () => {
        // Not started: stopping, or the partition went to another member meanwhile.
        if (this.#stopping || current.abandoned) return Promise.resolve(false);
        if (this.#assigned(record.topic, record.partition)) return this.#options.handle(record);
        return this.#stillAssigned(record).then((ours) => {
          if (ours && !this.#stopping && !current.abandoned) return this.#options.handle(record);
          // Revoked: this record and those queued behind it are left to the new owner.
          current.abandon();
          return false;
        });
      },
      this.#settled,
    );
  }

  readonly #settled = () => this.#done();

  #done(): void {
    this.#inFlight--;
    if (this.#paused && this.#inFlight <= this.#options.maxInFlight / 2 && !this.#stopping) {
      this.#paused = false;
      this.#stream?.resume();
    }
    if (this.#inFlight === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const wake of waiters) wake();
    }
  }

  /** Stops taking records; those already queued are skipped (left for the next owner), running ones finish. */
  stopConsuming(): void {
    this.#stopping = true;
    this.#stream?.pause();
  }

  /** Resolves when no record is being handled, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    if (this.#inFlight === 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Waits for the last commits, then closes the stream and leaves the group. */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#closed = true;
    await Promise.all([...this.#work.values()].map((w) => w.flushed()));
    const { stream, consumer } = { stream: this.#stream, consumer: this.#consumer };
    this.#stream = undefined;
    this.#consumer = undefined;
    await this.#rebuilding;
    await stream?.close().catch(() => {});
    if (consumer !== undefined) await closeQuietly(consumer);
  }
}
