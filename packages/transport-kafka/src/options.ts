import type { Deduplicator, RetryOptions } from '@wharf/core/transport';

/** Options of `kafkaTransport`. */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port` (an array, or comma-separated); default `$KAFKA_BROKERS`, else `127.0.0.1:9092`. */
  readonly brokers?: string | readonly string[];
  /**
   * A prefix for every topic and group (`staging` → topic `staging.orders.created`), so several
   * environments or test runs share one cluster without seeing each other. Default: none.
   */
  readonly namespace?: string;
  /** How long app start waits for the consumers to join their groups (retrying) before failing; default 30 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Partitions of each topic the transport creates; default 6. Existing topics are left as they are. */
  readonly partitions?: number;
  /** Replication factor of the topics it creates; default 1 (use 3 on a production cluster). */
  readonly replicationFactor?: number;
  /** Retries of failing event handlers through the retry topics, then the dead-letter topic. */
  readonly retry?: RetryOptions;
  /** Skips redelivered events; default an in-memory store of 100 000 keys. `false` turns it off. */
  readonly dedupe?: Deduplicator | false;
  /** Time an event handler may run before it is aborted and retried; default 60 000 ms. */
  readonly handlerTimeoutMs?: number;
  /** Records being handled at once per consumer (partitions and keys in parallel, one key in order); default 100. */
  readonly maxInFlight?: number;
  /** Time a publish waits for the broker's acknowledgement when the caller set no deadline; default 30 000 ms. */
  readonly publishTimeoutMs?: number;
  /** Events held while the broker is unreachable; more fail at once with UNAVAILABLE. Default 10 000. */
  readonly maxBufferedPublishes?: number;
  /** Largest event sent or accepted; default 1 MiB (Kafka's own default limit). */
  readonly maxMessageBytes?: number;
  /** How often topics matching a wildcard pattern (`orders.*`) are looked for; default 10 000 ms. */
  readonly topicRefreshMs?: number;
  /**
   * `consumer` (KIP-848: incremental, cooperative assignment, Kafka ≥ 4.0) or `classic`
   * (eager join/sync rebalances, any Kafka). Default `consumer`.
   */
  readonly groupProtocol?: 'consumer' | 'classic';
  /** Copy the caller's `authorization` header onto events. Default false, as on AMQP: events are stored and read by operators. */
  readonly forwardAuthorizationInEvents?: boolean;
  /** Kafka client id; default the app's name. */
  readonly clientId?: string;
}

/** Options with their defaults applied. */
export interface ResolvedOptions {
  readonly brokers: readonly string[];
  readonly namespace: string | undefined;
  readonly connectTimeoutMs: number;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retry: RetryOptions;
  readonly dedupe: Deduplicator | undefined;
  readonly handlerTimeoutMs: number;
  readonly maxInFlight: number;
  readonly publishTimeoutMs: number;
  readonly maxBufferedPublishes: number;
  readonly maxMessageBytes: number;
  readonly topicRefreshMs: number;
  readonly groupProtocol: 'consumer' | 'classic';
  readonly forwardAuthorizationInEvents: boolean;
  readonly clientId: string | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new TypeError(`kafkaTransport: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return v;
}

/** The broker list from an option, `$KAFKA_BROKERS`, or the loopback default. */
export function brokerList(brokers: string | readonly string[] | undefined): string[] {
  const list = typeof brokers === 'string' ? brokers.split(',') : [...(brokers ?? (process.env.KAFKA_BROKERS ?? '').split(','))];
  const out = list.map((b) => b.trim()).filter((b) => b !== '');
  return out.length > 0 ? out : ['127.0.0.1:9092'];
}

// The characters Kafka allows in topic and group names: a namespace with others would be refused
// by the broker at the first topic, as a retryable UNAVAILABLE instead of a mistake in the code.
const NAMESPACE = /^[A-Za-z0-9._-]*$/;

/** Applies defaults and checks values; throws a TypeError naming the bad option. */
export function resolveOptions(options: KafkaTransportOptions, dedupe: () => Deduplicator): ResolvedOptions {
  if (options.namespace !== undefined && !NAMESPACE.test(options.namespace)) {
    throw new TypeError(
      `kafkaTransport: namespace ${JSON.stringify(options.namespace)} cannot be part of a Kafka topic name: use letters, digits, '.', '_' and '-'`,
    );
  }
  const protocol = options.groupProtocol ?? 'consumer';
  if (protocol !== 'consumer' && protocol !== 'classic') {
    throw new TypeError(`kafkaTransport: groupProtocol must be 'consumer' or 'classic', got ${String(protocol)}`);
  }
  return {
    brokers: brokerList(options.brokers),
    namespace: options.namespace,
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 30_000),
    partitions: positive('partitions', options.partitions, 6, true),
    replicationFactor: positive('replicationFactor', options.replicationFactor, 1, true),
    retry: options.retry ?? {},
    dedupe: options.dedupe === false ? undefined : (options.dedupe ?? dedupe()),
    handlerTimeoutMs: positive('handlerTimeoutMs', options.handlerTimeoutMs, 60_000),
    maxInFlight: positive('maxInFlight', options.maxInFlight, 100, true),
    publishTimeoutMs: positive('publishTimeoutMs', options.publishTimeoutMs, 30_000),
    maxBufferedPublishes: positive('maxBufferedPublishes', options.maxBufferedPublishes, 10_000, true),
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes, 1024 * 1024, true),
    topicRefreshMs: positive('topicRefreshMs', options.topicRefreshMs, 10_000),
    groupProtocol: protocol,
    forwardAuthorizationInEvents: options.forwardAuthorizationInEvents ?? false,
    clientId: options.clientId,
  };
}
