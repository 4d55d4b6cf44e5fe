import type { ConsumerReadiness, IdleGate, RpcEndpoint, TransportHost, TransportObserver } from '@wharf/core/transport';
import { inboundDeadline, toWharfError, type WireError } from '@wharf/core/transport';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { Connection } from '../connection/connection.js';
import { ack, QueueConsumer } from '../connection/queue-consumer.js';
import { assertQueue } from '../declare.js';
import { intHeader, isJsonContentType, metadataFromHeaders } from '../headers.js';
import { parseJsonBody } from '../json-body.js';
import type { Log } from '../log.js';
import { DIRECT_REPLY_TO, Header } from '../names.js';
import type { AmqpStats } from '../stats.js';
import { ThrottledWarnings } from '../throttled-log.js';
import { isValidReplyTo } from './reply-to.js';
import { CancelSet, ReplyHeaders } from './request-state.js';

/** What one service's RPC consumer needs. */
export interface RpcServerOptions {
  readonly connection: Connection;
  readonly logger: Log;
  readonly host: TransportHost;
  readonly service: string;
  readonly major: number;
  readonly queue: string;
  readonly endpoints: readonly RpcEndpoint[];
  readonly prefetch: number;
  readonly expiresMs: number;
  readonly maxMessageBytes: number;
  /** Time limit of a request that names none, unless its RPC sets `timeoutMs`; undefined for none. */
  readonly defaultTimeoutMs: number | undefined;
  readonly readiness: ConsumerReadiness;
  readonly deliveries: IdleGate;
  readonly stats: AmqpStats;
  /** The app's transport observers: requests refused before dispatch, for metrics. */
  readonly observer?: Required<TransportObserver>;
}

/**
 * The server half of AMQP RPC for one service and major version: consumes its queue (instances
 * compete for requests, at most `prefetch` each at a time), runs each request through the app's
 * pipeline, acks it, and replies to `replyTo` with the same correlation id. A request whose
 * caller's time is up is dropped unanswered: nobody waits for it.
 *
 * Poison requests cannot loop. The ack goes out just before the reply (same channel, so the broker
 * takes it first): a reply the broker cannot take — one that makes it close the connection — does
 * not bring the request back. And a redelivered request (its instance died or lost its connection
 * while handling it) is acked on receipt, so a request that kills its handler's process or
 * connection is attempted at most twice.
 */
export class RpcServer {
  readonly #options: RpcServerOptions;
  readonly #queue: QueueConsumer;
  readonly #byName = new Map<string, RpcEndpoint>();
  readonly #cancels = new WeakMap<Channel, CancelSet>();
  /** Reply-to addresses already checked: a caller's channel sends all its requests with one. */
  readonly #replyTos = new Set<string>();
  /** What a client can make us warn about at will is logged in a few lines, and counted in the stats. */
  readonly #warnings: ThrottledWarnings;

  constructor(options: RpcServerOptions) {
    this.#options = options;
    this.#warnings = new ThrottledWarnings(options.logger);
    for (const endpoint of options.endpoints) {
      this.#byName.set(endpoint.name, endpoint);
      this.#byName.set(endpoint.fullName, endpoint);
    }
    this.#queue = new QueueConsumer({
      ...options,
      kind: 'RPC consumer',
      declare: async (channel) => {
        // Classic: requests are transient. Deleted after `expiresMs` without consumers, so callers
        // of a service that is gone are told at once (their mandatory publish comes back).
        await assertQueue(channel, options.queue, { durable: true, arguments: { 'x-expires': options.expiresMs } });
        this.#cancels.set(channel, new CancelSet());
        // Replies are published mandatory: one whose reply_to names no queue comes back here.
        channel.on('return', (returned: Message) => this.#returned(returned));
      },
      handle: (channel, message) => this.#handle(channel, message),
      // Requests in flight on a lost channel cannot be answered: cancel their handlers.
      lost: (channel) => this.#cancels.get(channel)?.fire(),
    });
  }

  get name(): string {
    return this.#options.queue;
  }

  start(deadline: number): Promise<void> {
    return this.#queue.start(deadline);
  }

  /** Stops taking requests; in-flight ones finish and are answered. */
  stopConsuming(): Promise<void> {
    return this.#queue.stopConsuming();
  }

  close(): Promise<void> {
    return this.#queue.close();
  }

  async #handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const { properties } = message;
    const replyTo: unknown = properties.replyTo;
    if (typeof replyTo !== 'string' || !this.#checkReplyTo(replyTo)) {
      this.#options.stats.rpcDropped++;
      this.#options.observer?.requestRefused('amqp', 'INVALID_ARGUMENT');
      this.#warnings.warn(
        'dropped',
        { queue: this.name, type: properties.type, replyTo, correlationId: properties.correlationId },
        replyTo === undefined || replyTo === ''
          ? 'Dropped an AMQP request without reply-to: RPC requests must name where to reply (see docs/transports/amqp.md)'
          : 'Dropped an AMQP request whose reply-to is neither a queue name nor a direct reply-to address RabbitMQ issued; replying to it could make the broker close the connection',
      );
      ack(channel, message);
      return;
    }
    const acked = message.fields.redelivered === true;
    if (acked) ack(channel, message);
    const headers = properties.headers;
    const timeout = intHeader(headers, Header.timeout) ?? intHeader({ e: properties.expiration }, 'e');
    if (timeout !== undefined && timeout <= 0) {
      this.#expired(channel, message, acked);
      return;
    }
    const reply = (status: 'ok' | 'error', body: unknown, extra?: Record<string, unknown>) =>
      this.#reply(channel, message, acked, replyTo, status, body, extra);
    // A refusal before dispatch: answered, and reported to the observers (metrics).
    const fail = (error: WireError) => {
      this.#options.observer?.requestRefused('amqp', error.code);
      reply('error', error);
    };

    const known = () => this.#options.endpoints.map((e) => e.name).join(', ');
    const correlationId: unknown = properties.correlationId;
    if (typeof correlationId !== 'string' || correlationId === '') {
      // A reply without one matches no call; run nothing, and tell a caller with its own reply queue why.
      fail(this.#malformed(message, 'has no correlation_id: set one, unique among your calls in flight, to match the reply'));
      return;
    }
    const type: unknown = properties.type;
    if (typeof type !== 'string' || type === '') {
      fail(this.#malformed(message, `has no type: set the type property to the method to call, one of: ${known()}`));
      return;
    }
    const endpoint = this.#byName.get(type);
    if (endpoint === undefined) {
      fail({
        code: 'UNIMPLEMENTED',
        message: `${this.#options.service} v${this.#options.major} has no RPC ${JSON.stringify(type)} over AMQP; set the message type to one of: ${known()}`,
      });
      return;
    }
    const absolute = headers?.[Header.deadline];
    const deadline = inboundDeadline(
      timeout,
      typeof absolute === 'number' || typeof absolute === 'string' ? absolute : undefined,
      endpoint.timeoutMs ?? this.#options.defaultTimeoutMs,
    );
    if (timeout !== undefined && deadline !== undefined && deadline <= Date.now()) {
      this.#expired(channel, message, acked);
      return;
    }
    if (endpoint.stream !== 'unary') {
      fail({
        code: 'UNIMPLEMENTED',
        message: `${endpoint.fullName} is a ${endpoint.stream}-streaming RPC; the AMQP transport carries unary RPCs only. Call it over a transport that streams (grpc, http)`,
      });
      return;
    }
    if (!isJsonContentType(properties.contentType)) {
      fail({
        code: 'INVALID_ARGUMENT',
        message: `Content type ${JSON.stringify(properties.contentType)} is not supported; send application/json`,
      });
      return;
    }
    if (message.content.length > this.#options.maxMessageBytes) {
      fail({
        code: 'RESOURCE_EXHAUSTED',
        message: `The request is ${message.content.length} bytes; this server accepts at most ${this.#options.maxMessageBytes}`,
      });
      return;
    }
    const body = parseJsonBody(message.content);
    if (!body.ok) {
      fail({ code: 'INVALID_ARGUMENT', message: `The request body ${body.why}` });
      return;
    }
    const input = body.value;
    const response = new ReplyHeaders();
    try {
      const output = await this.#options.host.dispatch(endpoint, input, {
        transport: 'amqp',
        metadata: metadataFromHeaders(headers),
        deadline,
        onCancel: this.#cancels.get(channel)?.register,
        response,
      });
      reply('ok', output, response.values);
    } catch (error) {
      reply('error', toWharfError(error).toWire(), response.values);
    }
  }

  /** Counts and logs a malformed request; the error to answer it with. */
  #malformed(message: ConsumeMessage, problem: string): WireError {
    this.#options.stats.rpcMalformed++;
    const text = `An AMQP RPC request ${problem} (see docs/transports/amqp.md)`;
    const { type, replyTo, correlationId } = message.properties;
    this.#warnings.warn(`malformed ${problem}`, { queue: this.name, type, replyTo, correlationId }, `Refused: ${text}`);
    return { code: 'INVALID_ARGUMENT', message: `The request ${problem}` };
  }

  /** The broker returned a reply: its reply_to names no queue. The request was handled; nobody gets the answer. */
  #returned(message: Message): void {
    this.#options.stats.rpcAnswered--;
    this.#options.stats.rpcUnroutable++;
    this.#warnings.warn(
      'returned',
      {
        queue: this.name,
        replyTo: message.fields.routingKey,
        correlationId: message.properties.correlationId,
        reason: (message.fields as { replyText?: string }).replyText,
      },
      'RabbitMQ returned an RPC reply: its reply_to names no queue (the caller is gone, or named a queue that does not exist); the request was handled, but nobody gets the answer',
    );
  }

  #checkReplyTo(replyTo: string): boolean {
    if (this.#replyTos.has(replyTo)) return true;
    if (!isValidReplyTo(replyTo)) return false;
    if (this.#replyTos.size >= 1_024) this.#replyTos.clear();
    this.#replyTos.add(replyTo);
    return true;
  }

  /** Drops a request whose caller has given up. */
  #expired(channel: Channel, message: ConsumeMessage, acked: boolean): void {
    this.#options.stats.rpcExpired++;
    if (!acked) ack(channel, message);
  }

  #reply(
    channel: Channel,
    message: ConsumeMessage,
    acked: boolean,
    replyTo: string,
    status: 'ok' | 'error',
    body: unknown,
    extra: Record<string, unknown> | undefined,
  ): void {
    let content: Buffer;
    try {
      content = Buffer.from(JSON.stringify(body) ?? 'null');
    } catch (error) {
      this.#options.logger.error({ err: error, queue: this.name }, 'An RPC output cannot be encoded as JSON');
      status = 'error';
      content = Buffer.from(
        JSON.stringify({ code: 'INTERNAL', message: 'Internal error: the output cannot be encoded as JSON' }),
      );
    }
    // Ack first (see the class comment). On a closed channel both are no-ops and the broker hands
    // the request to another instance.
    if (!acked) ack(channel, message);
    try {
      channel.publish('', replyTo, content, {
        correlationId: message.properties.correlationId,
        contentType: 'application/json',
        headers: extra === undefined ? { [Header.status]: status } : { ...extra, [Header.status]: status },
        // A queue name with no queue behind it comes back (#returned) instead of vanishing. Not for
        // direct reply-to: RabbitMQ (3.10 at least) returns such replies even when it delivers them.
        mandatory: !replyTo.startsWith(DIRECT_REPLY_TO),
      });
    } catch {
      return;
    }
    this.#options.stats.rpcAnswered++;
  }
}
