import type {
  ConsumerReadiness,
  Deduplicator,
  EventDelivery,
  EventEndpoint,
  EventInfo,
  IdleGate,
  RetryPolicy,
  TransportHost,
  TransportObserver,
  WireError,
} from '@wharf/core/transport';
import { toWharfError, type WharfError } from '@wharf/core/transport';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Connection } from '../connection/connection.js';
import { ack, QueueConsumer, requeue } from '../connection/queue-consumer.js';
import { intHeader, metadataFromHeaders } from '../headers.js';
import type { Log } from '../log.js';
import { Header, type TopologyNames } from '../names.js';
import type { AmqpStats } from '../stats.js';
import { BoundedSet } from './bounded-set.js';
import { deadLetterCopy, retryCopy } from './failure-copies.js';
import { type InspectContext, inspectEvent } from './inspect-event.js';
import { OneAtATime } from './one-at-a-time.js';
import { type Publisher, UnroutableError } from './publisher.js';
import { declareEventTopology, declareHandlerQueue, type QueueFeatures } from './topology.js';

/** What one handler's consumer needs. */
export interface EventConsumerOptions {
  readonly connection: Connection;
  readonly logger: Log;
  readonly host: TransportHost;
  readonly endpoint: EventEndpoint;
  readonly names: TopologyNames;
  readonly queue: string;
  /** Queue type and features (the broker's version decides). */
  readonly features: QueueFeatures;
  readonly policy: RetryPolicy;
  readonly prefetch: number;
  readonly publisher: Publisher;
  readonly dedupe: Deduplicator | undefined;
  readonly handlerTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly readiness: ConsumerReadiness;
  readonly deliveries: IdleGate;
  readonly stats: AmqpStats;
  /** The app's transport observers: what `stats` counts, per handler, for metrics. */
  readonly observer?: Required<TransportObserver>;
}

/** How long a message whose retry could not be published waits before it is returned to its queue. */
const REQUEUE_PAUSE_MS = 1_000;
/** Bound of the keys of failure copies whose ack was lost (a few per lost channel, in practice). */
const FORWARDED_KEYS = 10_000;

/**
 * Consumes one `@On` handler's queue. Each delivery is acked only after the handler succeeded;
 * a failure goes to the delay queue of its backoff step (TTL, then back to this queue), and after
 * the last attempt, or at once for a message that can never succeed, to the service's
 * dead-letter queue with the reason in its headers.
 */
export class EventConsumer {
  readonly #options: EventConsumerOptions;
  readonly #queue: QueueConsumer;
  readonly #dead = new WeakSet<Channel>();
  /** Keys being handled here, so a duplicate delivered alongside its original waits for it. */
  readonly #running = new OneAtATime();
  /** `<key>#<attempt>` of messages whose failure copy is confirmed but whose ack was lost. */
  readonly #forwarded = new BoundedSet(FORWARDED_KEYS);
  readonly #inspect: InspectContext;
  readonly #declare: (channel: Channel) => Promise<void>;
  #redeclaring = false;

  constructor(options: EventConsumerOptions) {
    this.#options = options;
    this.#inspect = {
      handler: options.endpoint.fullName,
      pattern: options.endpoint.pattern,
      queue: options.queue,
      eventsExchange: options.names.eventsExchange,
      maxMessageBytes: options.maxMessageBytes,
    };
    const { names, endpoint, queue, policy, features } = options;
    this.#declare = async (channel) => {
      await declareEventTopology(channel, names, endpoint.service, policy.delays, features);
      await declareHandlerQueue(channel, names, endpoint.service, queue, endpoint.pattern, features);
    };
    this.#queue = new QueueConsumer({
      ...options,
      kind: 'event consumer',
      declare: this.#declare,
      handle: (channel, message) => {
        options.stats.delivered++;
        options.observer?.eventReceived(this.#delivery(attemptOf(message)));
        return this.#handle(channel, message);
      },
      // The broker requeues what this channel had unacked. Handlers still running are left to
      // finish: one that succeeds is remembered by the deduplicator, so the redelivery is skipped
      // (aborting it instead could cancel a handler whose effects already happened, and run it twice).
      lost: (channel) => this.#dead.add(channel),
    });
  }

  get name(): string {
    return this.#options.queue;
  }

  #delivery(attempt: number): EventDelivery {
    return { transport: 'amqp', endpoint: this.#options.endpoint, attempt };
  }

  start(deadline: number): Promise<void> {
    return this.#queue.start(deadline);
  }

  /** Stops taking deliveries; in-flight ones finish and are acked. */
  stopConsuming(): Promise<void> {
    return this.#queue.stopConsuming();
  }

  close(): Promise<void> {
    return this.#queue.close();
  }

  async #handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const id: unknown = message.properties.messageId;
    if (typeof id !== 'string' || id === '') return this.#process(channel, message, undefined);
    // Deliveries of one message are handled one after the other on this instance: a duplicate
    // delivered alongside its original waits for it (and is then skipped), and a redelivery waits
    // for the failure copy of its original (see #settled).
    const key = `${this.#options.endpoint.fullName}:${id}`;
    return this.#running.run(key, () => this.#process(channel, message, key));
  }

  async #process(channel: Channel, message: ConsumeMessage, key: string | undefined): Promise<void> {
    const { properties } = message;
    const headers = properties.headers;
    const attempt = attemptOf(message);
    const copy = key === undefined ? undefined : `${key}#${attempt}`;
    if (copy !== undefined && message.fields.redelivered && this.#forwarded.delete(copy)) {
      // Its retry or dead-letter copy is already confirmed; only the ack was lost with its channel.
      return this.#duplicate(channel, message, attempt);
    }
    const inspection = inspectEvent(message, this.#inspect);
    if (!inspection.ok) return this.#deadLetter(channel, message, inspection.reason, attempt, inspection.name, copy);
    const { id, name, payload } = inspection;

    const { endpoint, dedupe } = this.#options;
    const dedupeKey = key ?? `${endpoint.fullName}:${id}`;
    try {
      const info = { id, event: name, handler: endpoint.fullName };
      // The in-memory deduplicator answers at once: no await (a promise hop per event) for it.
      const seen = dedupe?.seen(dedupeKey, info);
      if (seen === true || (seen !== undefined && seen !== false && (await seen)))
        return this.#duplicate(channel, message, attempt);
      const timestampMs = intHeader(headers, Header.timestampMs);
      const seconds = typeof properties.timestamp === 'number' ? properties.timestamp : undefined;
      const event: EventInfo = {
        id,
        name,
        emitter: typeof properties.appId === 'string' ? properties.appId : undefined,
        timestamp: timestampMs ?? (seconds === undefined ? undefined : seconds > 1e11 ? seconds : seconds * 1000),
        attempt,
      };
      await this.#options.host.dispatch(endpoint, payload, {
        transport: 'amqp',
        metadata: metadataFromHeaders(headers),
        deadline: Date.now() + this.#options.handlerTimeoutMs,
        signal: undefined,
        event,
      });
      const remembered = dedupe?.remember(dedupeKey, info);
      if (remembered !== undefined) await remembered;
      this.#options.stats.handled++;
      ack(channel, message);
    } catch (error) {
      await this.#failed(channel, message, toWharfError(error), attempt, name, copy);
    }
  }

  #duplicate(channel: Channel, message: ConsumeMessage, attempt: number): void {
    this.#options.stats.duplicates++;
    this.#options.observer?.eventDuplicate(this.#delivery(attempt));
    ack(channel, message);
  }

  async #failed(
    channel: Channel,
    message: ConsumeMessage,
    error: WharfError,
    attempt: number,
    name: string,
    copy: string | undefined,
  ): Promise<void> {
    // The channel died under the handler: the broker redelivers the message, so a retry copy would be a duplicate.
    if (this.#dead.has(channel)) return;
    const { policy } = this.#options;
    if (policy.deadLetterCodes.has(error.code) || attempt >= policy.maxAttempts) {
      return this.#deadLetter(channel, message, error.toWire(), attempt, name, copy);
    }
    const delay = policy.delays[attempt - 1] ?? policy.delays[policy.delays.length - 1] ?? 0;
    const { names, queue } = this.#options;
    try {
      await this.#options.publisher.publish({
        exchange: names.delayExchange,
        routingKey: queue,
        content: message.content,
        options: retryCopy(message, name, attempt + 1, delay, error.toWire()),
        deadline: Date.now() + this.#options.publishTimeoutMs,
        what: `retry of event ${name}`,
        mandatory: true,
      });
    } catch (publishError) {
      this.#unpublished(channel, message, publishError, name, 'Cannot schedule the retry of a failed event');
      return;
    }
    this.#options.stats.retried++;
    this.#options.observer?.eventRetried(this.#delivery(attempt));
    this.#options.logger.info(
      { queue: this.name, event: name, eventId: message.properties.messageId, attempt, retryInMs: delay, err: error.toWire() },
      'An event handler failed; retrying after a delay',
    );
    this.#settled(channel, message, copy);
  }

  async #deadLetter(
    channel: Channel,
    message: ConsumeMessage,
    reason: WireError,
    attempts: number,
    name: string | undefined,
    copy: string | undefined,
  ): Promise<void> {
    // As in #failed: the broker redelivers what a dead channel delivered; a copy now would be a duplicate.
    if (this.#dead.has(channel)) return;
    const { names, queue, endpoint } = this.#options;
    const dlq = names.deadLetterQueue(endpoint.service);
    try {
      await this.#options.publisher.publish({
        exchange: '',
        routingKey: dlq,
        content: message.content,
        options: deadLetterCopy(message, name, reason, attempts, queue, endpoint.fullName),
        deadline: Date.now() + this.#options.publishTimeoutMs,
        what: `dead letter of ${name ?? 'an event'}`,
        mandatory: true,
      });
    } catch (publishError) {
      this.#unpublished(channel, message, publishError, name, 'Cannot dead-letter an event');
      return;
    }
    this.#options.stats.deadLettered++;
    this.#options.observer?.eventDeadLettered(this.#delivery(attempts));
    this.#options.logger.warn(
      { queue: this.name, dlq, event: name, eventId: message.properties.messageId, attempts, err: reason },
      `Dead-lettered an event: ${reason.code}: ${reason.message}`,
    );
    this.#settled(channel, message, copy);
  }

  /**
   * Acks a message whose failure copy (retry or dead letter) the broker confirmed. When its
   * channel died meanwhile the ack is lost and the broker will redeliver the original: remember
   * the copy, so that the redelivery (to this instance) is acked instead of copied again.
   */
  #settled(channel: Channel, message: ConsumeMessage, copy: string | undefined): void {
    if (this.#dead.has(channel)) {
      if (copy !== undefined) this.#forwarded.add(copy);
      return;
    }
    ack(channel, message);
  }

  /**
   * The failure copy was not published, or the broker had no queue for it (a delay or dead-letter
   * queue deleted): the original goes back to its queue after a pause, never acked and lost. A
   * missing queue is declared again first.
   */
  #unpublished(channel: Channel, message: ConsumeMessage, error: unknown, name: string | undefined, what: string): void {
    const unroutable = error instanceof UnroutableError;
    this.#options.logger.warn(
      { err: error, queue: this.name, event: name },
      `${what}; returning it to its queue${unroutable ? ' and declaring the missing topology again' : ''}`,
    );
    if (unroutable) this.#redeclare(channel);
    setTimeout(() => requeue(channel, message), REQUEUE_PAUSE_MS).unref();
  }

  /** Declares the handler's topology again on its channel; one declaration at a time. */
  #redeclare(channel: Channel): void {
    if (this.#redeclaring || this.#dead.has(channel)) return;
    this.#redeclaring = true;
    this.#declare(channel)
      .catch((error: unknown) =>
        // The channel closes with the error; it is re-opened and set up (declared) again.
        this.#options.logger.warn({ err: error, queue: this.name }, 'Cannot declare the event topology again'),
      )
      .finally(() => {
        this.#redeclaring = false;
      });
  }
}

/** The delivery attempt a message carries: 1 for the first, then what its retry copy says. */
function attemptOf(message: ConsumeMessage): number {
  return Math.max(1, intHeader(message.properties.headers, Header.attempt) ?? 1);
}
