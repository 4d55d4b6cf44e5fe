// Shared by the event buses (AMQP, Kafka): one interface, so one database-backed deduplicator
// serves a service whichever broker it consumes from.

/** What a deduplicator is told about the delivery it checks. */
export interface DedupeInfo {
  /** The event's message id. */
  readonly id: string;
  /** The event name. */
  readonly event: string;
  /** The handler, `<service>.<handler>`. */
  readonly handler: string;
}

/**
 * Skips deliveries already handled. Brokers deliver at least once (a consumer that dies before
 * its ack gets the message again; a publisher that lost a confirm publishes again), so a handler
 * can see one event twice. The key is `<service>.<handler>:<message id>`.
 *
 * Back it with your database for a guarantee across instances and restarts; for exactly-once
 * effects, record the key in the same transaction as the handler's writes (`ctx.event.id`).
 */
export interface Deduplicator {
  /** True when this key was handled before: the delivery is acked without running the handler. */
  seen(key: string, info: DedupeInfo): boolean | Promise<boolean>;
  /** Records the key; called after the handler succeeded, before the ack. */
  remember(key: string, info: DedupeInfo): void | Promise<void>;
}

/** Options of the in-memory deduplicator. */
export interface MemoryDedupeOptions {
  /** Keys kept; the oldest are forgotten first. Default 100 000 (about 10 MB). */
  readonly maxKeys?: number;
}

/** The in-memory deduplicator: the last `maxKeys` handled keys of this process. */
export function memoryDedupe(options: MemoryDedupeOptions = {}): Deduplicator {
  const max = options.maxKeys ?? 100_000;
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`maxKeys must be a positive integer, got ${max}`);
  // A Set iterates in insertion order, so its first element is always the oldest key.
  const keys = new Set<string>();
  return {
    seen: (key) => keys.has(key),
    remember(key) {
      if (keys.has(key)) return;
      keys.add(key);
      if (keys.size > max) keys.delete(keys.values().next().value as string);
    },
  };
}
