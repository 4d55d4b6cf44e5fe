/** Counters of what the transport's consumers did, since it started. */
export interface AmqpStats {
  /** Event deliveries received (redeliveries included). */
  delivered: number;
  /** Event deliveries whose handler succeeded. */
  handled: number;
  /** Deliveries skipped because the deduplicator had seen their key. */
  duplicates: number;
  /** Failed deliveries sent to a delay queue for another attempt. */
  retried: number;
  /** Deliveries moved to a dead-letter queue. */
  deadLettered: number;
  /** RPC requests answered (a reply the broker returned, its reply_to having no queue, moves to rpcUnroutable). */
  rpcAnswered: number;
  /** Replies the broker returned: their `reply_to` names no queue (the caller is gone, or made it up). */
  rpcUnroutable: number;
  /** RPC requests refused as malformed: no `correlation_id` or no `type` (answered with INVALID_ARGUMENT where `reply_to` allows). */
  rpcMalformed: number;
  /** RPC requests dropped because their caller's deadline had passed. */
  rpcExpired: number;
  /** RPC requests dropped because their `reply_to` is missing or malformed. */
  rpcDropped: number;
  /** Times the connection was re-established after it was lost. */
  reconnects: number;
}

/** Fresh counters. */
export function newStats(): AmqpStats {
  return {
    delivered: 0,
    handled: 0,
    duplicates: 0,
    retried: 0,
    deadLettered: 0,
    rpcAnswered: 0,
    rpcUnroutable: 0,
    rpcMalformed: 0,
    rpcExpired: 0,
    rpcDropped: 0,
    reconnects: 0,
  };
}
