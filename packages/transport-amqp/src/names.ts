// Every exchange and queue name Wharf uses, in one place: docs/transports/amqp.md ("Topology")
// describes the same scheme for clients in other languages.

/** The names of a namespace's exchanges and queues. */
export interface TopologyNames {
  /** The prefix prepended to every name (`''`, or e.g. `staging.`). */
  readonly prefix: string;
  /** The topic exchange events are published to, routing key = event name. */
  readonly eventsExchange: string;
  /** The headers exchange that routes a retried event to the delay queue of its backoff step. */
  readonly delayExchange: string;
  /** The queue of a service's RPC requests (one per service and major version). */
  rpcQueue(service: string, major: number): string;
  /** The queue of one `@On` handler: each handler of each service gets every matching event once. */
  handlerQueue(service: string, handler: string): string;
  /** A service's dead-letter queue. */
  deadLetterQueue(service: string): string;
  /** The delay queue for one backoff step. */
  delayQueue(delayMs: number): string;
}

/** The namespace prefix for `namespace` (`'staging'` → `'staging.'`; empty → `''`). */
export function prefixOf(namespace: string | undefined): string {
  if (namespace === undefined || namespace === '') return '';
  return namespace.endsWith('.') ? namespace : `${namespace}.`;
}

/** The exchange and queue names of a namespace (none by default). */
export function topologyNames(namespace?: string): TopologyNames {
  const p = prefixOf(namespace);
  return {
    prefix: p,
    eventsExchange: `${p}wharf.events`,
    delayExchange: `${p}wharf.delay`,
    rpcQueue: (service, major) => `${p}${service}.v${major}.rpc`,
    handlerQueue: (service, handler) => `${p}${service}.on.${handler}`,
    deadLetterQueue: (service) => `${p}${service}.dlq`,
    delayQueue: (delayMs) => `${p}wharf.delay.${delayMs}`,
  };
}

/** The reply-to pseudo-queue of RabbitMQ's direct reply-to. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** Headers the transport sets; every other string header is request metadata. */
export const Header = {
  /** RPC: the caller's remaining time in whole ms (also the message's `expiration`). */
  timeout: 'x-wharf-timeout-ms',
  /** RPC: the caller's absolute deadline in epoch ms; tightens the deadline when the clocks agree. */
  deadline: 'x-wharf-deadline',
  /** RPC reply: `ok` or `error`. */
  status: 'x-wharf-status',
  /** Event: emission time in epoch ms (the `timestamp` property has whole seconds only). */
  timestampMs: 'x-wharf-timestamp-ms',
  /** Event: the delivery attempt, absent on the first. */
  attempt: 'x-wharf-attempt',
  /** Event, internal: selects the delay queue of a retry (no `x-` prefix: headers exchanges ignore those). */
  delay: 'wharf-delay-ms',
  /** Dead letter / last failure: the error code. */
  errorCode: 'x-wharf-error-code',
  errorMessage: 'x-wharf-error-message',
  /** Dead letter: JSON of the error's details (e.g. fieldViolations), truncated to 8 KiB. */
  errorDetails: 'x-wharf-error-details',
  /** Dead letter: attempts made. */
  attempts: 'x-wharf-attempts',
  /** Dead letter: the handler queue it came from, where a replay sends it back. */
  sourceQueue: 'x-wharf-source-queue',
  /** Dead letter: the handler, `<service>.<handler>`. */
  handler: 'x-wharf-handler',
  /** Dead letter: epoch ms it was dead-lettered. */
  deadLetteredAt: 'x-wharf-dead-lettered-at',
  /** Replayed message: how many times it was replayed from the dead-letter queue. */
  replays: 'x-wharf-replays',
} as const;
