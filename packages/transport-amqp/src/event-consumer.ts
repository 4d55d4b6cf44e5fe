import type { EventEndpoint, EventInfo, TransportHost, WireError } from '@wharf/core';
import { toWharfError, type WharfError } from '@wharf/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { ack, requeue } from './ack.js';
import type { Connection } from './connection.js';
import type { Deduplicator } from './dedupe.js';
import { deadLetterCopy, retryCopy } from './failure.js';
import { intHeader, metadataFromHeaders } from './headers.js';
import type { InFlight } from './in-flight.js';
import { type InspectContext, inspectEvent } from './inspect-event.js';
import type { Log } from './log.js';
import { Header, type TopologyNames } from './names.js';
import type { Publisher } from './publisher.js';
import { QueueConsumer } from './queue-consumer.js';
import type { Readiness } from './readiness.js';
import type { RetryPolicy } from './retry-policy.js';
import type { AmqpStats } from './stats.js';
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
  readonly readiness: Readiness;
  readonly inFlight: InFlight;
  readonly stats: AmqpStats;
}

/** How long a message whose retry could not be published waits before it is returned to its queue. */
const REQUEUE_PAUSE_MS = 1_000;

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
  readonly #running = new Map<string, Promise<void>>();
  readonly #inspect: InspectContext;

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
    this.#queue = new QueueConsumer({
      ...options,
      kind: 'event consumer',
      declare: async (channel) => {
        await declareEventTopology(channel, names, endpoint.service, policy.delays, features);
        await declareHandlerQueue(channel, names, endpoint.service, queue, endpoint.pattern, features);
      },
      handle: (channel, message) => {
        options.stats.delivered++;
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
    const { properties } = message;
    const headers = properties.headers;
    const attempt = Math.max(1, intHeader(headers, Header.attempt) ?? 1);
    const inspection = inspectEvent(message, this.#inspect);
    if (!inspection.ok) return this.#deadLetter(channel, message, inspection.reason, attempt, inspection.name);
    const { id, name, payload } = inspection;

    const { endpoint, dedupe } = this.#options;
    const key = `${endpoint.fullName}:${id}`;
    for (let prior = this.#running.get(key); prior !== undefined; prior = this.#running.get(key)) await prior;
    let finish!: () => void;
    this.#running.set(
      key,
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    try {
      const info = { id, event: name, handler: endpoint.fullName };
      if (dedupe !== undefined && (await dedupe.seen(key, info))) {
        this.#options.stats.duplicates++;
        ack(channel, message);
        return;
      }
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
      await dedupe?.remember(key, info);
      this.#options.stats.handled++;
      ack(channel, message);
    } catch (error) {
      await this.#failed(channel, message, toWharfError(error), attempt, name);
    } finally {
      this.#running.delete(key);
      finish();
    }
  }

  async #failed(channel: Channel, message: ConsumeMessage, error: WharfError, attempt: number, name: string): Promise<void> {
    // The channel died under the handler: the broker redelivers the message, so a retry copy would be a duplicate.
    if (this.#dead.has(channel)) return;
    const { policy } = this.#options;
    if (policy.deadLetterCodes.has(error.code) || attempt >= policy.maxAttempts) {
      return this.#deadLetter(channel, message, error.toWire(), attempt, name);
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
      });
    } catch (publishError) {
      this.#options.logger.warn(
        { err: publishError, queue: this.name, event: name },
        'Cannot schedule the retry of a failed event; returning it to its queue',
      );
      setTimeout(() => requeue(channel, message), REQUEUE_PAUSE_MS).unref();
      return;
    }
    this.#options.stats.retried++;
    this.#options.logger.info(
      { queue: this.name, event: name, eventId: message.properties.messageId, attempt, retryInMs: delay, err: error.toWire() },
      'An event handler failed; retrying after a delay',
    );
    ack(channel, message);
  }

  async #deadLetter(
    channel: Channel,
    message: ConsumeMessage,
    reason: WireError,
    attempts: number,
    name: string | undefined,
  ): Promise<void> {
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
      });
    } catch (publishError) {
      this.#options.logger.warn(
        { err: publishError, queue: this.name },
        'Cannot dead-letter an event; returning it to its queue',
      );
      setTimeout(() => requeue(channel, message), REQUEUE_PAUSE_MS).unref();
      return;
    }
    this.#options.stats.deadLettered++;
    this.#options.logger.warn(
      { queue: this.name, dlq, event: name, eventId: message.properties.messageId, attempts, err: reason },
      `Dead-lettered an event: ${reason.code}: ${reason.message}`,
    );
    ack(channel, message);
  }
}
