import type { ConsumerReadiness, IdleGate } from '@wharf/core/transport';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { Log } from '../log.js';
import type { Connection } from './connection.js';
import { ManagedChannel } from './managed-channel.js';

/** What a queue consumer does with its queue; the rest (channel, readiness, draining) is common. */
export interface QueueConsumerSpec {
  readonly queue: string;
  /** For logs: `RPC consumer`, `event consumer`. */
  readonly kind: string;
  readonly connection: Connection;
  readonly logger: Log;
  readonly readiness: ConsumerReadiness;
  /** Counts deliveries being handled, for a stop that lets them finish. */
  readonly deliveries: IdleGate;
  readonly prefetch: number;
  /** Declares the topology the queue needs, on every fresh channel, before consuming. */
  declare(channel: Channel): Promise<void>;
  /** Handles one delivery, acking or rejecting it; by design it never rejects. */
  handle(channel: Channel, message: ConsumeMessage): Promise<void>;
  /** A channel given to `declare` is gone; the broker requeues what it had unacked. */
  lost?(channel: Channel): void;
}

/**
 * Consumes one queue on a channel that re-opens itself: re-declares and re-consumes after every
 * reconnect, reports the consumer attached or detached (so a deaf service shows as not ready),
 * re-declares when the broker cancels the consumer (its queue deleted), counts deliveries in
 * flight, and stops taking deliveries on `stopConsuming` while those in flight finish.
 */
export class QueueConsumer {
  readonly #spec: QueueConsumerSpec;
  readonly #channel: ManagedChannel<Channel>;
  #consumer: { channel: Channel; tag: string } | undefined;
  #stopped = false;

  constructor(spec: QueueConsumerSpec) {
    this.#spec = spec;
    this.#channel = new ManagedChannel<Channel>(
      spec.connection,
      {
        name: `${spec.kind} ${spec.queue}`,
        confirm: false,
        setup: (channel) => this.#setup(channel),
        lost: (channel) => this.#lost(channel),
      },
      spec.logger,
    );
  }

  get name(): string {
    return this.#spec.queue;
  }

  start(deadline: number): Promise<void> {
    return this.#channel.start(deadline);
  }

  async #setup(channel: Channel): Promise<void> {
    await this.#spec.declare(channel);
    await channel.prefetch(this.#spec.prefetch);
    if (this.#stopped) return;
    const { consumerTag } = await channel.consume(this.#spec.queue, (message) => this.#deliver(channel, message));
    this.#consumer = { channel, tag: consumerTag };
    this.#spec.readiness.attached(this.name);
  }

  #lost(channel: Channel): void {
    if (this.#consumer?.channel === channel) {
      this.#consumer = undefined;
      if (!this.#stopped) this.#spec.readiness.detached(this.name);
    }
    this.#spec.lost?.(channel);
  }

  #deliver(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      this.#spec.logger.warn({ queue: this.name }, `RabbitMQ cancelled the ${this.#spec.kind} (queue deleted?); re-declaring`);
      this.#consumer = undefined;
      this.#spec.readiness.detached(this.name);
      this.#channel.reset();
      return;
    }
    this.#spec.deliveries.track(this.#spec.handle(channel, message)).catch((error: unknown) => {
      // Unreachable by design; the message stays unacked and the broker redelivers it.
      this.#spec.logger.error({ err: error, queue: this.name }, `Unexpected failure in the ${this.#spec.kind}`);
    });
  }

  /** Stops taking deliveries; those in flight finish and are acked. */
  async stopConsuming(): Promise<void> {
    this.#stopped = true;
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer !== undefined) await consumer.channel.cancel(consumer.tag).catch(() => {});
  }

  close(): Promise<void> {
    this.#stopped = true;
    return this.#channel.close();
  }
}

// Delivery tags belong to the channel that delivered the message. Acking on a later channel
// (after a reconnect) is the classic "unknown delivery tag" channel error; acking on a closed one
// throws. Either way the broker has already requeued the message, so there is nothing to do.

/** Acks `message` on the channel it came on; a no-op when that channel is closed. */
export function ack(channel: Channel, message: Message): void {
  try {
    channel.ack(message);
  } catch {
    // Channel closed: the broker redelivers the message.
  }
}

/** Returns `message` to its queue on the channel it came on; a no-op when that channel is closed. */
export function requeue(channel: Channel, message: Message): void {
  try {
    channel.nack(message, false, true);
  } catch {
    // Channel closed: the broker redelivers the message.
  }
}
