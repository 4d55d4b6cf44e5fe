import type { Deduplicator, RetryOptions } from '@wharf/core/transport';
import type { BackoffOptions } from './connection/backoff.js';
import type { Log } from './log.js';

/** One consumer, as `prefetch` sees it. */
export interface ConsumerInfo {
  readonly kind: 'rpc' | 'event';
  readonly service: string;
  /** The handler's name for event consumers. */
  readonly handler?: string;
  readonly queue: string;
}

/** Options of `amqpTransport`. */
export interface AmqpTransportOptions {
  /** The broker, e.g. `amqp://user:pass@rabbit:5672/vhost`; default `amqp://127.0.0.1:5672` (guest/guest). */
  readonly url?: string;
  /**
   * A prefix for every exchange and queue (`staging` → `staging.wharf.events`), so several
   * environments or test runs share one broker without seeing each other. Default: none.
   */
  readonly namespace?: string;
  /** AMQP heartbeat in seconds; default 10. A dead broker or network is noticed within two. */
  readonly heartbeatSeconds?: number;
  /** How long `listen` (app start) waits for the broker before failing; default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff; default 100 ms doubling to 5 s, ± 20 % jitter. */
  readonly reconnect?: BackoffOptions;
  /** Unacked messages per consumer; default 20. A function chooses per consumer. */
  readonly prefetch?: number | ((consumer: ConsumerInfo) => number);
  /**
   * Type of the event, delay and dead-letter queues: `quorum` (replicated, with a delivery limit)
   * or `classic`. Default quorum when the broker supports it (RabbitMQ ≥ 3.8). Delay queues stay
   * classic below RabbitMQ 3.10, whose quorum queues do not support the message TTL they need.
   */
  readonly queueType?: 'quorum' | 'classic';
  /** Retries of failing event handlers: delays, attempts, and codes that dead-letter at once. */
  readonly retry?: RetryOptions;
  /**
   * Quorum queues: deliveries without an ack (the consumer died) before the broker dead-letters
   * the message, so a message that crashes its consumer cannot loop forever. Default 20.
   */
  readonly deliveryLimit?: number;
  /** Skips redelivered events; default an in-memory store of 100 000 keys. `false` turns it off. */
  readonly dedupe?: Deduplicator | false;
  /** Time an event handler may run before it is aborted and retried; default 60 000 ms. */
  readonly handlerTimeoutMs?: number;
  /** Publishes (events, RPC requests) held while the broker is unreachable; more fail with UNAVAILABLE. Default 10 000. */
  readonly maxBufferedPublishes?: number;
  /** Time a publish waits for its confirm when the caller set no deadline; default 30 000 ms. */
  readonly publishTimeoutMs?: number;
  /** Largest message body sent or accepted; default 4 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * An RPC queue with no consumer is deleted after this long (`x-expires`), so callers of a
   * service that is gone get UNAVAILABLE at once instead of waiting for their deadline. Default 60 000 ms.
   */
  readonly rpcQueueExpiresMs?: number;
  /**
   * Copy the caller's `authorization` header onto events. Default false: events are stored and
   * may be dead-lettered and read by operators, so bearer tokens stay off them.
   */
  readonly forwardAuthorizationInEvents?: boolean;
  /** Shown in the broker's connection list; default the app's name. */
  readonly connectionName?: string;
  /**
   * A served RPC's time limit when the caller sends none (no `x-wharf-timeout-ms`, no
   * `expiration`): the RPC's `timeoutMs`, else this; default 30 000 ms. `null` for no limit.
   */
  readonly defaultTimeoutMs?: number | null;
  /**
   * Other names of this transport's broker (`rabbit.prod.svc:5672`, or URLs), for instances that
   * registered it under another host name. Instances on any other broker or vhost are not reachable
   * from this transport: the app calls them over another transport, or not at all.
   */
  readonly brokerAliases?: readonly string[];
  /**
   * Logger until `listen` hands over the app's (an app without services never calls `listen`);
   * default: warnings and errors to stderr as JSON lines. A pino logger fits.
   */
  readonly logger?: Log;
}

/** Options with their defaults applied. */
export interface ResolvedOptions {
  readonly url: string;
  readonly namespace: string | undefined;
  readonly heartbeatSeconds: number;
  readonly connectTimeoutMs: number;
  readonly reconnect: BackoffOptions;
  readonly prefetch: (consumer: ConsumerInfo) => number;
  readonly queueType: 'quorum' | 'classic' | undefined;
  readonly retry: RetryOptions;
  readonly deliveryLimit: number;
  readonly dedupe: Deduplicator | undefined;
  readonly handlerTimeoutMs: number;
  readonly maxBufferedPublishes: number;
  readonly publishTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly rpcQueueExpiresMs: number;
  readonly forwardAuthorizationInEvents: boolean;
  readonly connectionName: string | undefined;
  readonly defaultTimeoutMs: number | undefined;
  readonly brokerAliases: readonly string[];
  readonly logger: Log | undefined;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`amqpTransport: ${name} must be a positive number, got ${value}`);
  return v;
}

/** Applies defaults and checks values; throws a TypeError naming the bad option. */
export function resolveOptions(options: AmqpTransportOptions, dedupe: () => Deduplicator): ResolvedOptions {
  const prefetch = options.prefetch ?? 20;
  // AMQP's prefetch count is a 16-bit field: amqplib would throw a RangeError at the first consumer.
  if (typeof prefetch === 'number' && !(Number.isInteger(prefetch) && prefetch > 0 && prefetch <= 65535)) {
    throw new TypeError(`amqpTransport: prefetch must be an integer from 1 to 65535, got ${prefetch}`);
  }
  return {
    url: options.url ?? 'amqp://127.0.0.1:5672',
    namespace: options.namespace,
    heartbeatSeconds: positive('heartbeatSeconds', options.heartbeatSeconds, 10),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    reconnect: options.reconnect ?? {},
    prefetch: typeof prefetch === 'number' ? () => prefetch : prefetch,
    queueType: options.queueType,
    retry: options.retry ?? {},
    deliveryLimit: positive('deliveryLimit', options.deliveryLimit, 20),
    dedupe: options.dedupe === false ? undefined : (options.dedupe ?? dedupe()),
    handlerTimeoutMs: positive('handlerTimeoutMs', options.handlerTimeoutMs, 60_000),
    maxBufferedPublishes: positive('maxBufferedPublishes', options.maxBufferedPublishes, 10_000),
    publishTimeoutMs: positive('publishTimeoutMs', options.publishTimeoutMs, 30_000),
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes, 4 * 1024 * 1024),
    rpcQueueExpiresMs: positive('rpcQueueExpiresMs', options.rpcQueueExpiresMs, 60_000),
    forwardAuthorizationInEvents: options.forwardAuthorizationInEvents ?? false,
    connectionName: options.connectionName,
    defaultTimeoutMs:
      options.defaultTimeoutMs === null ? undefined : positive('defaultTimeoutMs', options.defaultTimeoutMs, 30_000),
    brokerAliases: options.brokerAliases ?? [],
    logger: options.logger,
  };
}
