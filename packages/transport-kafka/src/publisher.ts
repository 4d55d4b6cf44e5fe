import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import type { Logger } from '@wharf/core/transport';
import { WharfError } from '@wharf/core/transport';
import type { Topics } from './topics.js';

/** One record to produce. */
export interface OutRecord {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

interface Entry {
  readonly record: OutRecord;
  readonly deadline: number;
  readonly what: string;
  readonly resolve: () => void;
  readonly reject: (error: WharfError) => void;
  done: boolean;
}

/** What the publisher needs. */
export interface PublisherOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topics: Topics;
  readonly logger: () => Logger;
  /** Records held while the broker is unreachable; more fail at once. */
  readonly maxBuffered: number;
  /** Called for each acknowledged record. */
  readonly acknowledged?: () => void;
}

/** Records in one produce request at most. */
const BATCH = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;
const SWEEP_MS = 250;

/** Kafka's answers for a request refused for its size: sending the same records again never helps. */
const TOO_LARGE = ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE'];

interface Findable {
  findBy?(key: string, value: unknown): unknown;
}

function tooLarge(error: unknown): boolean {
  return TOO_LARGE.some((apiId) => {
    const found = (error as Findable)?.findBy?.('apiId', apiId);
    return found !== undefined && found !== null;
  });
}

/**
 * Produces with `acks=all` on an idempotent producer and never drops a record silently: each
 * publish resolves when the broker acknowledged it, or rejects with UNAVAILABLE at its deadline.
 *
 * One produce request is in flight at a time, carrying every record published meanwhile: an
 * idempotent producer may have at most 5 requests in flight per partition (the client fails
 * with OUT_OF_ORDER_SEQUENCE_NUMBER beyond), and batching is what makes Kafka fast. A failed
 * request is sent again, on a fresh producer, until each record's deadline; the broker may
 * already hold the first copy, which is why every event carries an id and consumers deduplicate.
 */
export class Publisher {
  readonly #options: PublisherOptions;
  #producer: Producer<string, Buffer, string, string> | undefined;
  #queue: Entry[] = [];
  #sending = false;
  #inFlight: Entry[] = [];
  #sweeper: NodeJS.Timeout | undefined;
  #failures = 0;
  /** Requests still to send with one record each, to find which record of a refused batch is too large. */
  #oneByOne = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #idle: (() => void)[] = [];
  readonly #ready = new Set<string>();

  constructor(options: PublisherOptions) {
    this.#options = options;
  }

  /** Records not yet acknowledged. */
  get pending(): number {
    return this.#queue.length + (this.#sending ? 1 : 0);
  }

  #client(): Producer<string, Buffer, string, string> {
    this.#producer ??= new Producer<string, Buffer, string, string>({
      clientId: this.#options.clientId,
      bootstrapBrokers: [...this.#options.brokers],
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      retries: 2,
      retryDelay: 100,
      timeout: 5_000,
    });
    return this.#producer;
  }

  publish(record: OutRecord, deadline: number, what: string): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new WharfError('UNAVAILABLE', `Cannot publish ${what}: the Kafka transport is closed`));
    }
    if (this.#queue.length >= this.#options.maxBuffered) {
      return Promise.reject(
        new WharfError(
          'UNAVAILABLE',
          `Cannot publish ${what}: ${this.#queue.length} events already wait for Kafka (maxBufferedPublishes); retry later`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = { record, deadline, what, resolve, reject, done: false };
      if (this.#ready.has(record.topic)) {
        this.#enqueue(entry);
        return;
      }
      this.#options.topics.ensure(record.topic).then(
        () => {
          this.#ready.add(record.topic);
          this.#enqueue(entry);
        },
        (error: unknown) =>
          this.#settle(
            entry,
            new WharfError('UNAVAILABLE', `Cannot create topic ${record.topic} for ${what}: ${(error as Error).message}`),
          ),
      );
    });
  }

  #enqueue(entry: Entry): void {
    this.#queue.push(entry);
    // Deadlines are checked four times a second while anything is pending: a caller is answered
    // on time even while a produce request hangs on a dead broker.
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
    this.#flush();
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#inFlight) if (!entry.done && entry.deadline <= now) this.#expire(entry, true);
    for (const entry of this.#queue) if (!entry.done && entry.deadline <= now) this.#expire(entry, false);
  }

  #flush(): void {
    if (this.#sending || this.#retryTimer !== undefined || this.#closed) return;
    const now = Date.now();
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    const size = this.#oneByOne > 0 ? 1 : BATCH;
    for (const entry of this.#queue) {
      if (entry.done) continue;
      if (entry.deadline <= now) {
        this.#expire(entry, false);
        continue;
      }
      if (batch.length < size) batch.push(entry);
      else rest.push(entry);
    }
    if (batch.length > 0 && this.#oneByOne > 0) this.#oneByOne--;
    this.#queue = rest;
    if (batch.length === 0) {
      this.#checkIdle();
      return;
    }
    this.#sending = true;
    this.#inFlight = batch;
    this.#client()
      .send({ messages: batch.map((e) => e.record) })
      .then(
        () => {
          this.#failures = 0;
          for (const entry of batch) {
            this.#options.acknowledged?.();
            this.#settle(entry, undefined);
          }
        },
        (error: unknown) => this.#failed(batch, error),
      )
      .finally(() => {
        this.#sending = false;
        this.#inFlight = [];
        this.#flush();
      });
  }

  /** The request failed: a fresh producer sends the batch again after a backoff, first in line. */
  #failed(batch: Entry[], error: unknown): void {
    if (tooLarge(error)) {
      this.#refusedForSize(batch);
      return;
    }
    this.#failures++;
    if (this.#failures === 1 || this.#failures % 20 === 0) {
      this.#options
        .logger()
        .warn({ err: error, records: batch.length }, 'Kafka did not acknowledge a produce request; sending it again');
    }
    const old = this.#producer;
    this.#producer = undefined;
    if (old !== undefined) (old.close as (force: boolean) => Promise<void>).call(old, true).catch(() => {});
    this.#queue = [...batch.filter((e) => !e.done), ...this.#queue];
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.#failures - 1, 5));
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#flush();
    }, delay);
  }

  /**
   * The broker refused the request for its size (its `message.max.bytes` counts a partition's
   * whole record batch, headers included): retrying it would only hold every later emit back until
   * the deadlines. A record alone is refused for good; a batch is sent again one record a request,
   * so only the records too large fail and the others are acknowledged.
   */
  #refusedForSize(batch: Entry[]): void {
    // The idempotent producer's sequence numbers counted the refused records: start a fresh one.
    const old = this.#producer;
    this.#producer = undefined;
    if (old !== undefined) (old.close as (force: boolean) => Promise<void>).call(old, true).catch(() => {});
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      this.#settle(
        only,
        new WharfError(
          'INVALID_ARGUMENT',
          `Kafka refused ${only.what} as too large (${only.record.value.length} bytes of value, with headers over the broker's message.max.bytes): send a smaller payload, or raise the topic's max.message.bytes`,
        ),
      );
      return;
    }
    this.#queue = [...batch.filter((e) => !e.done), ...this.#queue];
    this.#oneByOne = Math.max(this.#oneByOne, batch.length);
  }

  #expire(entry: Entry, sent: boolean): void {
    const message = sent
      ? `Kafka did not acknowledge ${entry.what} before its deadline; it may still be delivered, so publish it again with the same id to be sure (consumers deduplicate)`
      : `Cannot publish ${entry.what}: Kafka was unreachable until its deadline`;
    this.#settle(entry, new WharfError('UNAVAILABLE', message));
  }

  #settle(entry: Entry, error: WharfError | undefined): void {
    if (entry.done) return;
    entry.done = true;
    if (error === undefined) entry.resolve();
    else entry.reject(error);
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#sending || this.#queue.some((e) => !e.done)) return;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    if (this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when every publish is acknowledged or failed, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    if (this.pending === 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Fails what is still waiting with UNAVAILABLE and closes the producer. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const error = new WharfError('UNAVAILABLE', 'The Kafka transport closed before the event was acknowledged');
    for (const entry of [...this.#queue, ...this.#inFlight]) this.#settle(entry, error);
    this.#queue = [];
    await this.#producer?.close().catch(() => {});
  }
}
