import type { OutboundCall } from '@wharf/core/transport';
import { IdleGate, stoppedCallError, WharfError } from '@wharf/core/transport';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import { namespaceOf } from '../connection/broker-address.js';
import type { Connection } from '../connection/connection.js';
import { cancel, schedule, type TimerHandle } from '../connection/deadline-timer.js';
import { ManagedChannel } from '../connection/managed-channel.js';
import { headersFromMetadata, stringHeader } from '../headers.js';
import type { Log } from '../log.js';
import { DIRECT_REPLY_TO, Header, topologyNames } from '../names.js';

interface PendingCall {
  readonly what: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: WharfError) => void;
  readonly channel: Channel;
  readonly timer: TimerHandle | undefined;
  /** Stops following the caller's cancellation. */
  unlink: (() => void) | undefined;
}

/** What the RPC client needs. */
export interface RpcClientOptions {
  readonly connection: Connection;
  readonly logger: Log;
  /** The caller's own namespace, for addresses that name none. */
  readonly namespace: string | undefined;
  readonly maxBuffered: number;
  readonly maxMessageBytes: number;
  /** Wait for a channel at most this long when the call has no deadline. */
  readonly connectWaitMs: number;
  /** Whether an address names this transport's broker and vhost. */
  readonly reaches: (address: string) => boolean;
  /** This transport's broker, for the error of an address on another one. */
  readonly broker: string;
}

const NOT_JSON = 'The RPC reply is not valid JSON';

/**
 * The client half of AMQP RPC: requests go to the service's queue through the default exchange
 * (`mandatory`, so a missing queue answers UNAVAILABLE at once), replies come back over direct
 * reply-to on the same channel, matched by correlation id. The caller's deadline becomes the
 * request's `expiration` and a local timer.
 */
export class RpcClient {
  readonly #options: RpcClientOptions;
  readonly #channel: ManagedChannel<Channel>;
  readonly #pending = new Map<string, PendingCall>();
  /** Per address, service and major: the queue to publish to, or why the address cannot be called. */
  readonly #queues = new Map<string, string | WharfError>();
  readonly #prefix = `${crypto.randomUUID().slice(0, 8)}-`;
  /** Calls sent or waiting for a channel, until settled: a close lets them finish. */
  readonly #calls = new IdleGate();
  #seq = 0;
  /** Calls waiting for a channel, bounded by `maxBuffered`. */
  #waiting = 0;

  constructor(options: RpcClientOptions) {
    this.#options = options;
    this.#channel = new ManagedChannel<Channel>(
      options.connection,
      {
        name: 'rpc client',
        confirm: false,
        setup: async (channel) => {
          channel.on('return', (message: Message) => this.#returned(message));
          await channel.consume(DIRECT_REPLY_TO, (message) => this.#reply(channel, message), { noAck: true });
        },
        lost: (channel) => this.#lost(channel),
      },
      options.logger,
    );
  }

  /** Calls in flight. */
  get pending(): number {
    return this.#calls.count;
  }

  call(call: OutboundCall): Promise<unknown> {
    const { ref } = call;
    if (ref.stream !== 'unary') {
      return Promise.reject(
        new WharfError(
          'UNIMPLEMENTED',
          `${ref.fullName} is a ${ref.stream}-streaming RPC; the AMQP transport carries unary RPCs only. Call it over a transport that streams (grpc, http)`,
        ),
      );
    }
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(call.input) ?? 'null');
    } catch (error) {
      return Promise.reject(
        new WharfError('INVALID_ARGUMENT', `The input of ${ref.fullName} cannot be sent as JSON: ${(error as Error).message}`),
      );
    }
    if (body.length > this.#options.maxMessageBytes) {
      return Promise.reject(
        new WharfError(
          'INVALID_ARGUMENT',
          `The input of ${ref.fullName} is ${body.length} bytes; the AMQP transport sends at most ${this.#options.maxMessageBytes} (maxMessageBytes)`,
        ),
      );
    }
    const queue = this.#queueFor(call);
    if (typeof queue !== 'string') return Promise.reject(queue);
    const channel = this.#channel.current;
    if (channel !== undefined) return this.#calls.track(this.#send(call, body, channel, queue));
    if (this.#waiting >= this.#options.maxBuffered) {
      return Promise.reject(
        new WharfError(
          'UNAVAILABLE',
          `Cannot call ${ref.fullName}: ${this.#waiting} calls already wait for RabbitMQ; retry later`,
        ),
      );
    }
    this.#waiting++;
    const sent = this.#channel.ready(call.deadline ?? Date.now() + this.#options.connectWaitMs).then(
      (ready) => {
        this.#waiting--;
        return this.#send(call, body, ready, queue);
      },
      (error: WharfError) => {
        this.#waiting--;
        throw new WharfError('UNAVAILABLE', `Cannot call ${ref.fullName}: ${error.message}`);
      },
    );
    return this.#calls.track(sent);
  }

  #queueFor(call: OutboundCall): string | WharfError {
    const key = `${call.address}\0${call.ref.service}\0${call.ref.major}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = this.#options.reaches(call.address)
        ? topologyNames(namespaceOf(call.address) ?? this.#options.namespace).rpcQueue(call.ref.service, call.ref.major)
        : new WharfError(
            'UNAVAILABLE',
            `Cannot call ${call.ref.fullName} at ${call.address}: that address is on another RabbitMQ broker or vhost than this transport's (${this.#options.broker}). Register the instance on this broker, or list the other name in brokerAliases if it is the same broker`,
          );
      if (this.#queues.size > 10_000) this.#queues.clear();
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #send(call: OutboundCall, body: Buffer, channel: Channel, queue: string): Promise<unknown> {
    const what = call.ref.fullName;
    const headers = headersFromMetadata(call.metadata);
    let expiration: string | undefined;
    if (call.deadline !== undefined) {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) {
        return Promise.reject(new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded before ${what} was sent`));
      }
      // Whole milliseconds: RabbitMQ refuses a fractional `expiration` with a channel error (406),
      // which would fail every call in flight on the channel.
      const ms = Math.max(1, Math.floor(remaining));
      expiration = String(ms);
      headers[Header.timeout] = ms;
      headers[Header.deadline] = Math.floor(call.deadline);
    }
    this.#seq = (this.#seq + 1) % Number.MAX_SAFE_INTEGER;
    const correlationId = this.#prefix + this.#seq.toString(36);
    return new Promise((resolve, reject) => {
      const timer =
        call.deadline === undefined
          ? undefined
          : schedule(call.deadline, () =>
              this.#fail(correlationId, new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded waiting for ${what} over AMQP`)),
            );
      const pending: PendingCall = { what, resolve, reject, channel, timer, unlink: undefined };
      this.#pending.set(correlationId, pending);
      // DEADLINE_EXCEEDED when the caller stopped for its deadline (a handler's own), else CANCELLED.
      // It runs at once if the caller already has: then nothing is sent.
      pending.unlink = call.onCancel((reason) => this.#fail(correlationId, stoppedCallError(reason, call.deadline, what)));
      if (!this.#pending.has(correlationId)) return;
      try {
        channel.publish('', queue, body, {
          correlationId,
          replyTo: DIRECT_REPLY_TO,
          type: call.ref.name,
          contentType: 'application/json',
          expiration,
          headers,
          mandatory: true,
        });
      } catch (error) {
        const code = error instanceof RangeError || error instanceof TypeError ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
        this.#fail(correlationId, new WharfError(code, `Cannot send ${what}: ${(error as Error).message}`));
      }
    });
  }

  #take(correlationId: string): PendingCall | undefined {
    const call = this.#pending.get(correlationId);
    if (call === undefined) return undefined;
    this.#pending.delete(correlationId);
    cancel(call.timer);
    call.unlink?.();
    return call;
  }

  #fail(correlationId: string, error: WharfError): void {
    this.#take(correlationId)?.reject(error);
  }

  #reply(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the reply consumer: re-open the channel to get a new one.
      this.#channel.reset();
      return;
    }
    const id: unknown = message.properties.correlationId;
    // A reply after the deadline, or one arriving on another channel than its call's, has
    // nobody waiting here: drop it, leaving any call of that id to its own channel.
    if (typeof id !== 'string' || this.#pending.get(id)?.channel !== channel) return;
    const call = this.#take(id) as PendingCall;
    let value: unknown;
    try {
      value = JSON.parse(message.content.toString('utf8'));
    } catch {
      call.reject(new WharfError('UNKNOWN', `${NOT_JSON} (${call.what})`));
      return;
    }
    if (stringHeader(message.properties.headers, Header.status) === 'error') call.reject(WharfError.fromWire(value));
    else call.resolve(value);
  }

  #returned(message: Message): void {
    const { correlationId } = message.properties;
    if (typeof correlationId !== 'string') return;
    const queue = message.fields.routingKey;
    this.#fail(
      correlationId,
      new WharfError(
        'UNAVAILABLE',
        `No queue ${queue} on RabbitMQ: no instance of this service has served on this broker and namespace recently; start one, or check the namespace`,
      ),
    );
  }

  #lost(channel: Channel): void {
    for (const [id, call] of this.#pending) {
      if (call.channel !== channel) continue;
      this.#fail(
        id,
        new WharfError(
          'UNAVAILABLE',
          `The connection to RabbitMQ was lost while waiting for the reply to ${call.what}; the request may or may not have been handled`,
        ),
      );
    }
  }

  /** Resolves when no call is in flight, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    return this.#calls.idle(signal);
  }

  /** Fails calls still in flight with UNAVAILABLE and closes the channel. */
  async close(): Promise<void> {
    for (const id of [...this.#pending.keys()]) {
      this.#fail(id, new WharfError('UNAVAILABLE', 'The AMQP transport closed before the reply arrived'));
    }
    await this.#channel.close();
  }
}
