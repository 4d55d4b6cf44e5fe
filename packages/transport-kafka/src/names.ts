import { matchTopic } from '@wharf/core/transport';

// Every topic and group name Wharf uses on Kafka, in one place: docs/transports/kafka.md
// ("Topics and groups") describes the same scheme for clients in other languages.

/** The topic and consumer-group names of a namespace. */
export interface KafkaNames {
  /** The prefix of every name (`''`, or e.g. `staging.`). */
  readonly prefix: string;
  /** The topic of one event name: the name itself, after the prefix. */
  eventTopic(event: string): string;
  /** The event name a topic carries, or undefined for a topic that is not an event topic of this namespace. */
  eventOf(topic: string): string | undefined;
  /** The consumer group of a service: its instances share the partitions of the topics it handles. */
  group(service: string): string;
  /** The topic of one retry step (1 = after the first failure) of a service. */
  retryTopic(service: string, step: number): string;
  /** The consumer group of a service's retry topics. */
  retryGroup(service: string): string;
  /** A service's dead-letter topic. */
  deadLetterTopic(service: string): string;
}

/** The namespace prefix for `namespace` (`'staging'` → `'staging.'`; empty → `''`). */
export function prefixOf(namespace: string | undefined): string {
  if (namespace === undefined || namespace === '') return '';
  return namespace.endsWith('.') ? namespace : `${namespace}.`;
}

// An event name's words start with a letter or digit, so a word starting with `_` can never
// appear in one: the transport's own topics use it, and no pattern (`orders.#`) matches them.
const EVENT_WORD = /^[a-z0-9][a-z0-9_-]*$/;

/** The topic and group names of a namespace (none by default). */
export function kafkaNames(namespace?: string): KafkaNames {
  const p = prefixOf(namespace);
  // Asked for every record: the answers for the topics seen so far (a bounded number).
  const events = new Map<string, string | undefined>();
  const eventOf = (topic: string) => {
    if (!topic.startsWith(p)) return undefined;
    const name = topic.slice(p.length);
    return name.split('.').every((w) => EVENT_WORD.test(w)) ? name : undefined;
  };
  return {
    prefix: p,
    eventTopic: (event) => `${p}${event}`,
    eventOf(topic) {
      if (events.has(topic)) return events.get(topic);
      const event = eventOf(topic);
      if (events.size < 10_000) events.set(topic, event);
      return event;
    },
    group: (service) => `${p}${service}`,
    retryTopic: (service, step) => `${p}${service}._retry.${step}`,
    retryGroup: (service) => `${p}${service}._retry`,
    deadLetterTopic: (service) => `${p}${service}._dlt`,
  };
}

/**
 * Whether a topic carries events matching a pattern (`orders.*`, `#`): an event topic of the
 * namespace whose event name matches, by AMQP topic rules. The transport's own topics never do.
 */
export function topicMatcher(pattern: string, names: KafkaNames): (topic: string) => boolean {
  return (topic) => {
    const event = names.eventOf(topic);
    return event !== undefined && matchTopic(pattern, event);
  };
}

/** True when a pattern has no wildcard: its one topic is known in advance. */
export function isLiteral(pattern: string): boolean {
  return !pattern.split('.').some((w) => w === '*' || w === '#');
}

/** Headers the transport reads and writes; every other header is request metadata. */
export const Header = {
  /** CloudEvents (binary mode): the event's id, the dedupe key. Required. */
  id: 'ce_id',
  /** CloudEvents: the event name. */
  type: 'ce_type',
  /** CloudEvents: the emitting service. */
  source: 'ce_source',
  /** CloudEvents: emission time, RFC 3339. */
  time: 'ce_time',
  /** CloudEvents: `1.0`. */
  specVersion: 'ce_specversion',
  /** `application/json`. */
  contentType: 'content-type',
  /** Emission time in epoch ms. */
  timestampMs: 'x-wharf-timestamp-ms',
  /** The delivery attempt, absent on the first. */
  attempt: 'x-wharf-attempt',
  /** Retry copies and dead letters: the handler they are for, `<service>.<handler>`. */
  handler: 'x-wharf-handler',
  /** Retry copies: epoch ms before which the retry must not run. */
  notBefore: 'x-wharf-not-before',
  /** Retries and dead letters: the topic the event was first consumed from. */
  sourceTopic: 'x-wharf-source-topic',
  sourcePartition: 'x-wharf-source-partition',
  sourceOffset: 'x-wharf-source-offset',
  /** Last failure / dead letter: the error code, message and details (JSON). */
  errorCode: 'x-wharf-error-code',
  errorMessage: 'x-wharf-error-message',
  errorDetails: 'x-wharf-error-details',
  /** Dead letter: attempts made. */
  attempts: 'x-wharf-attempts',
  /** Dead letter: epoch ms. */
  deadLetteredAt: 'x-wharf-dead-lettered-at',
  /** A replay marker in the dead-letter topic: the id of the dead letter that was replayed. */
  replayed: 'x-wharf-replayed',
  /** A replayed event: how many times it was replayed. */
  replays: 'x-wharf-replays',
} as const;
