import { IdleGate, WharfError } from '@wharf/core/transport';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import type { Connection } from '../connection/connection.js';
import { cancel, schedule, type TimerHandle } from '../connection/deadline-timer.js';
import { ManagedChannel } from '../connection/managed-channel.js';
import type { Log } from '../log.js';
import { Fifo } from './fifo.js';

/** One message to publish with a confirm. */
export interface PublishRequest {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
  /** Absolute; when it passes unconfirmed, the publish fails with UNAVAILABLE. */
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  /** Names the message in error messages, e.g. `event orders.created`. */
  readonly what: string;
  /**
   * Fail the publish with `UnroutableError` when no queue takes the message (the broker returns
   * it, then confirms it). Without it, an unroutable message is confirmed and silently dropped.
   */
  readonly mandatory?: boolean;
}

/** A mandatory publish the broker returned: no queue is bound for its exchange and routing key. */
export class UnroutableError extends WharfError {
  constructor(what: string, exchange: string, routingKey: string, replyText: string) {
    super(
      'FAILED_PRECONDITION',
      `RabbitMQ could not route ${what}: no queue is bound for exchange ${JSON.stringify(exchange)} with routing key ${JSON.stringify(routingKey)} (${replyText}); the topology is missing and will be declared again`,
    );
  }
}

const WAITING = 0;
const SENT = 1;
const DONE = 2;

interface Entry {
  readonly request: PublishRequest;
  readonly resolve: () => void;
  readonly reject: (error: WharfError) => void;
  state: typeof WAITING | typeof SENT | typeof DONE;
  timer: TimerHandle | undefined;
  onAbort: (() => void) | undefined;
  /** Set when the broker returned this (mandatory) message; its confirm then fails it. */
  returned: UnroutableError | undefined;
}

/** What the publisher needs. */
export interface PublisherOptions {
  readonly connection: Connection;
  readonly logger: Log;
  /** Publishes held while the channel is not writable; more fail at once. */
  readonly maxBuffered: number;
  /** Declares what publishes need (the exchanges) on each fresh channel. */
  readonly setup: (channel: ConfirmChannel) => Promise<void>;
}

/**
 * Publishes with confirms and never drops a message silently: each publish resolves when the
 * broker confirms it, or rejects with UNAVAILABLE. While the broker is unreachable, publishes
 * wait in a bounded buffer until their deadline; a message sent but unconfirmed when its channel
 * dies is sent again on the next one (same message id: consumers deduplicate).
 */
export class Publisher {
  readonly #channel: ManagedChannel<ConfirmChannel>;
  readonly #options: PublisherOptions;
  // Entries waiting to be sent: first those whose channel died unconfirmed, then new ones.
  readonly #queue = new Fifo<Entry>();
  #resend: Entry[] = [];
  /** Sent and not yet confirmed; settled entries stay until the broker confirms or the channel dies. */
  readonly #sent = new Set<Entry>();
  /** Each publish until it is settled and no confirm is owed for it: a close waits for the broker. */
  readonly #outstanding = new IdleGate();
  #waiting = 0;
  #writable = true;
  #closed = false;

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.#channel = new ManagedChannel<ConfirmChannel>(
      options.connection,
      {
        name: 'publisher',
        confirm: true,
        setup: async (channel) => {
          channel.on('return', (message: Message) => this.#returned(message));
          await options.setup(channel);
        },
        ready: (channel) => {
          this.#writable = true;
          this.#flush(channel);
        },
      },
      options.logger,
    );
  }

  /** Connects and sets up the channel; for a publisher that must be ready at start. */
  start(deadline: number): Promise<void> {
    return this.#channel.start(deadline);
  }

  publish(request: PublishRequest): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new WharfError('UNAVAILABLE', `Cannot publish ${request.what}: the AMQP transport is closed`));
    }
    if (request.signal?.aborted) return Promise.reject(new WharfError('CANCELLED', `Publishing ${request.what} was cancelled`));
    const channel = this.#channel.current;
    const direct = channel !== undefined && this.#writable && this.#waiting === 0;
    if (!direct && this.#waiting >= this.#options.maxBuffered) {
      return Promise.reject(
        new WharfError(
          'UNAVAILABLE',
          `Cannot publish ${request.what}: ${this.#waiting} messages already wait for RabbitMQ (maxBufferedPublishes); retry later`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        request,
        resolve,
        reject,
        state: WAITING,
        timer: undefined,
        onAbort: undefined,
        returned: undefined,
      };
      this.#outstanding.enter();
      entry.timer = schedule(request.deadline, () => this.#timeout(entry));
      if (request.signal !== undefined) {
        const onAbort = () => this.#settle(entry, new WharfError('CANCELLED', `Publishing ${request.what} was cancelled`));
        entry.onAbort = onAbort;
        request.signal.addEventListener('abort', onAbort, { once: true });
      }
      if (direct) {
        this.#send(entry, channel);
        return;
      }
      this.#waiting++;
      this.#queue.push(entry);
      // Connects lazily (a client-only app); the entry times out on its own deadline meanwhile.
      if (channel === undefined) this.#channel.ready(request.deadline).catch(() => {});
    });
  }

  #next(): Entry | undefined {
    for (;;) {
      const entry = this.#resend.length > 0 ? this.#resend.shift() : this.#queue.shift();
      if (entry === undefined) return undefined;
      if (entry.state === WAITING) return entry;
    }
  }

  #flush(channel: ConfirmChannel): void {
    while (this.#writable && this.#channel.current === channel && this.#waiting > 0) {
      const entry = this.#next();
      if (entry === undefined) break;
      this.#waiting--;
      this.#send(entry, channel);
    }
  }

  #send(entry: Entry, channel: ConfirmChannel): void {
    const { exchange, routingKey, content, options, mandatory } = entry.request;
    entry.state = SENT;
    entry.returned = undefined;
    this.#sent.add(entry);
    let writable: boolean;
    try {
      writable = channel.publish(
        exchange,
        routingKey,
        content,
        mandatory === true ? { ...options, mandatory: true } : options,
        (error: Error | null) => this.#confirmed(entry, error),
      );
    } catch (error) {
      this.#sent.delete(entry);
      if (error instanceof RangeError || error instanceof TypeError) {
        // amqplib refuses headers over its 64 KiB table buffer, or a malformed option.
        entry.state = WAITING;
        this.#waiting++;
        this.#settle(entry, new WharfError('INVALID_ARGUMENT', `Cannot publish ${entry.request.what}: ${error.message}`));
      } else {
        // The channel closed under us; the entry goes out on the next one.
        this.#requeue(entry);
      }
      return;
    }
    if (!writable && this.#writable) {
      this.#writable = false;
      channel.once('drain', () => {
        if (this.#channel.current !== channel) return;
        this.#writable = true;
        this.#flush(channel);
      });
    }
  }

  #requeue(entry: Entry): void {
    entry.state = WAITING;
    this.#waiting++;
    this.#resend.push(entry);
  }

  #confirmed(entry: Entry, error: Error | null): void {
    const owed = this.#sent.delete(entry);
    if (entry.state === DONE) {
      if (owed) this.#outstanding.leave();
      return;
    }
    if (error === null) {
      // RabbitMQ sends basic.return before the confirm of the same message.
      this.#settle(entry, entry.returned);
    } else if (error.message === 'message nacked') {
      this.#settle(
        entry,
        new WharfError('UNAVAILABLE', `RabbitMQ refused ${entry.request.what} (nack); publish it again with the same id`),
      );
    } else if (this.#closed) {
      this.#settle(entry, new WharfError('UNAVAILABLE', `The AMQP transport closed before ${entry.request.what} was confirmed`));
    } else {
      // The channel died before the confirm: send again on the next channel. The broker may
      // already hold the first copy; consumers drop the duplicate by message id.
      this.#requeue(entry);
    }
  }

  /**
   * Marks the sent mandatory entry the broker returned. A return carries no delivery tag, so the
   * entry is found by what was published: exchange, routing key, message id and body (the
   * unconfirmed mandatory publishes are few: failure copies of events).
   */
  #returned(message: Message): void {
    const { exchange, routingKey, replyText } = message.fields as Message['fields'] & { replyText?: string };
    for (const entry of this.#sent) {
      const { request } = entry;
      if (
        request.mandatory === true &&
        entry.returned === undefined &&
        request.exchange === exchange &&
        request.routingKey === routingKey &&
        request.options.messageId === message.properties.messageId &&
        request.content.equals(message.content)
      ) {
        entry.returned = new UnroutableError(request.what, exchange, routingKey, replyText ?? 'NO_ROUTE');
        return;
      }
    }
  }

  #timeout(entry: Entry): void {
    if (entry.state === DONE) return;
    const message =
      entry.state === SENT
        ? `RabbitMQ did not confirm ${entry.request.what} before its deadline; it may still be delivered, so publish it again with the same id to be sure (consumers deduplicate)`
        : `Cannot publish ${entry.request.what}: RabbitMQ was unreachable until its deadline`;
    this.#settle(entry, new WharfError('UNAVAILABLE', message));
  }

  #settle(entry: Entry, error: WharfError | undefined): void {
    if (entry.state === DONE) return;
    // A waiting entry stays in its list and is skipped when its turn comes.
    if (entry.state === WAITING) this.#waiting--;
    entry.state = DONE;
    cancel(entry.timer);
    if (entry.onAbort !== undefined) entry.request.signal?.removeEventListener('abort', entry.onAbort);
    if (error === undefined) entry.resolve();
    else entry.reject(error);
    if (!this.#sent.has(entry)) this.#outstanding.leave();
  }

  /** Resolves when every publish is confirmed or failed, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    return this.#outstanding.idle(signal);
  }

  /** Fails what is still pending with UNAVAILABLE and closes the channel. */
  async close(): Promise<void> {
    this.#closed = true;
    const error = new WharfError('UNAVAILABLE', 'The AMQP transport closed before the message was confirmed');
    for (const entry of [...this.#resend, ...this.#queue.drain()]) this.#settle(entry, error);
    for (const entry of [...this.#sent]) {
      this.#settle(entry, error);
      // Closing stops waiting for confirms: one arriving later finds nothing owed.
      this.#sent.delete(entry);
      this.#outstanding.leave();
    }
    this.#resend = [];
    this.#waiting = 0;
    await this.#channel.close();
  }
}
