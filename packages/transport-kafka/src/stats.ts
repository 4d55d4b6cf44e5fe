/** Counters of what the transport did, since it started. */
export interface KafkaStats {
  /** Events published and acknowledged by the broker. */
  published: number;
  /** Records received by the consumers (redeliveries and retries included). */
  delivered: number;
  /** Handler runs that succeeded. */
  handled: number;
  /** Handler runs skipped because the deduplicator had seen their key. */
  duplicates: number;
  /** Failed handler runs sent to a retry topic. */
  retried: number;
  /** Handler runs whose event went to the dead-letter topic. */
  deadLettered: number;
  /** Offset commits the broker refused (a revoked partition, a broker restart): those records may come again. */
  commitsRefused: number;
  /** Times a consumer was rebuilt after its connection or stream failed. */
  reconnects: number;
  /** Records received and not committed yet, now (a figure that only grows means a stuck partition). */
  uncommitted: number;
}

/** Fresh counters. */
export function newStats(): KafkaStats {
  return {
    published: 0,
    delivered: 0,
    handled: 0,
    duplicates: 0,
    retried: 0,
    deadLettered: 0,
    commitsRefused: 0,
    reconnects: 0,
    uncommitted: 0,
  };
}
