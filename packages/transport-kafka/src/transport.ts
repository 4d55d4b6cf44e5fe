import { Admin } from '@platformatic/kafka';
import type { EventEndpoint, Logger, OutboundEvent, Transport, TransportHost } from '@wharf/core/transport';
import { ConsumerReadiness, memoryDedupe, retryPolicy, settledOrAborted, WharfError } from '@wharf/core/transport';
import { Delivery } from './delivery.js';
import { GroupConsumer } from './group-consumer.js';
import { headersFromMetadata } from './headers.js';
import { Header, isLiteral, type KafkaNames, kafkaNames, topicMatcher } from './names.js';
import { type KafkaTransportOptions, resolveOptions } from './options.js';
import { Publisher } from './publisher.js';
import { type KafkaStats, newStats } from './stats.js';
import { Topics } from './topics.js';

/** The Kafka transport: a Transport, plus its topic names and counters. */
export interface KafkaTransport extends Transport {
  readonly name: 'kafka';
  /** The topic and group names it uses (after the namespace prefix). */
  readonly names: KafkaNames;
  /** What it published and consumed so far. */
  stats(): Readonly<KafkaStats>;
}

/** The partition key of an event: the declared one, else the payload's `id` field, else none. */
function keyOf(event: OutboundEvent): string | undefined {
  if (event.key !== undefined) return event.key;
  const id = (event.payload as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * Kafka transport: the event bus over Apache Kafka. `ctx.emit` produces to the event's topic
 * with `acks=all` on an idempotent producer; each service consumes in its own consumer group,
 * per key in order, commits only after its handlers succeeded, retries through retry topics and
 * dead-letters to a dead-letter topic. It carries events only: RPCs go over another transport.
 *
 * Wire format: docs/transports/kafka.md.
 */
export function kafkaTransport(options: KafkaTransportOptions = {}): KafkaTransport {
  const config = resolveOptions(options, () => memoryDedupe());
  const policy = retryPolicy(config.retry);
  const names = kafkaNames(config.namespace);
  const stats = newStats();
  const stopping = new AbortController();
  const drained = new AbortController();
  const consumers: GroupConsumer[] = [];
  let logger: Logger | undefined;
  let clientId = config.clientId ?? 'wharf';
  let admin: Admin | undefined;
  let topics: Topics | undefined;
  let publisher: Publisher | undefined;
  let refresher: NodeJS.Timeout | undefined;
  let appIdle: ((signal: AbortSignal) => Promise<void>) | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;

  const log = (): Logger => {
    if (logger === undefined) throw new Error('kafkaTransport: used before createApp attached it');
    return logger;
  };

  function topicsOf(): Topics {
    admin ??= new Admin({ clientId, bootstrapBrokers: [...config.brokers], retries: 3, retryDelay: 250, timeout: 5_000 });
    topics ??= new Topics(admin, config.partitions, config.replicationFactor);
    return topics;
  }

  function pub(): Publisher {
    publisher ??= new Publisher({
      brokers: config.brokers,
      clientId,
      topics: topicsOf(),
      logger: log,
      maxBuffered: config.maxBufferedPublishes,
      acknowledged: () => {
        stats.published++;
      },
    });
    return publisher;
  }

  function closedError(what: string): WharfError {
    return new WharfError('UNAVAILABLE', `Cannot ${what}: the Kafka transport is closed`);
  }

  /** The topics one service's handlers consume: literal patterns' topics (created), and those matching wildcards. */
  async function eventTopics(endpoints: readonly EventEndpoint[]): Promise<string[]> {
    const t = topicsOf();
    const out = new Set<string>();
    const literal = endpoints.filter((e) => isLiteral(e.pattern)).map((e) => names.eventTopic(e.pattern));
    await Promise.all(literal.map((topic) => t.ensure(topic)));
    for (const topic of literal) out.add(topic);
    const wildcards = endpoints.filter((e) => !isLiteral(e.pattern)).map((e) => topicMatcher(e.pattern, names));
    if (wildcards.length > 0) {
      for (const topic of await t.list()) if (wildcards.some((matches) => matches(topic))) out.add(topic);
    }
    return [...out].sort();
  }

  async function retryTopics(service: string): Promise<string[]> {
    const t = topicsOf();
    const steps = Math.max(1, policy.delays.length);
    const list = Array.from({ length: steps }, (_, i) => names.retryTopic(service, i + 1));
    await Promise.all([...list, names.deadLetterTopic(service)].map((topic) => t.ensure(topic)));
    return list;
  }

  async function listen(host: TransportHost): Promise<readonly string[]> {
    if (closed) throw closedError('listen');
    appIdle = host.idle;
    if (host.rpcs.length > 0) {
      log().info(
        { rpcs: host.rpcs.map((e) => e.fullName) },
        'The Kafka transport carries events only; RPCs are served by the app’s other transports',
      );
    }
    const byService = new Map<string, EventEndpoint[]>();
    for (const endpoint of host.subscriptions) {
      byService.set(endpoint.service, [...(byService.get(endpoint.service) ?? []), endpoint]);
    }
    const consumerNames = [...byService.keys()].flatMap((s) => [s, `${s} (retries)`]);
    const readiness = new ConsumerReadiness(host, consumerNames, 'Kafka consumers not in their groups');
    for (const [service, endpoints] of byService) {
      const delivery = new Delivery({
        service,
        endpoints,
        host,
        names,
        policy,
        dedupe: config.dedupe,
        publisher: pub(),
        handlerTimeoutMs: config.handlerTimeoutMs,
        publishTimeoutMs: config.publishTimeoutMs,
        maxMessageBytes: config.maxMessageBytes,
        stats,
        logger: log,
        stopping: stopping.signal,
        drained: drained.signal,
      });
      const common = {
        brokers: config.brokers,
        clientId,
        groupProtocol: config.groupProtocol,
        maxInFlight: config.maxInFlight,
        logger: log,
        attached: (name: string) => readiness.attached(name),
        detached: (name: string) => readiness.detached(name),
        rebuilt: () => {
          stats.reconnects++;
        },
        commitRefused: () => {
          stats.commitsRefused++;
        },
      };
      consumers.push(
        new GroupConsumer({
          ...common,
          name: service,
          groupId: names.group(service),
          topics: () => eventTopics(endpoints),
          handle: (record) => delivery.event(record),
        }),
        new GroupConsumer({
          ...common,
          name: `${service} (retries)`,
          groupId: names.retryGroup(service),
          topics: () => retryTopics(service),
          handle: (record) => delivery.retry(record),
        }),
      );
    }
    const deadline = Date.now() + config.connectTimeoutMs;
    try {
      await Promise.all(consumers.map((c) => c.start(deadline)));
    } catch (error) {
      throw new WharfError(
        'UNAVAILABLE',
        `Kafka consumers could not join their groups at ${config.brokers.join(',')} within ${config.connectTimeoutMs} ms: ${(error as Error).message}`,
      );
    }
    if ([...byService.values()].some((list) => list.some((e) => !isLiteral(e.pattern)))) {
      refresher = setInterval(() => {
        for (const c of consumers) c.refresh().catch((error: unknown) => log().debug({ err: error }, 'Topic refresh failed'));
      }, config.topicRefreshMs).unref();
    }
    if (consumers.length > 0) log().info({ groups: [...byService.keys()].map(names.group) }, 'Kafka consumers joined');
    return [];
  }

  function publish(event: OutboundEvent): Promise<void> {
    if (closed) return Promise.reject(closedError(`publish event ${event.name}`));
    if (event.signal?.aborted) return Promise.reject(new WharfError('CANCELLED', `Publishing event ${event.name} was cancelled`));
    let value: Buffer;
    try {
      value = Buffer.from(JSON.stringify(event.payload) ?? 'null');
    } catch (error) {
      return Promise.reject(
        new WharfError(
          'INVALID_ARGUMENT',
          `The payload of event ${event.name} cannot be sent as JSON: ${(error as Error).message}`,
        ),
      );
    }
    if (value.length > config.maxMessageBytes) {
      return Promise.reject(
        new WharfError(
          'INVALID_ARGUMENT',
          `Event ${event.name} is ${value.length} bytes; the Kafka transport sends at most ${config.maxMessageBytes} (maxMessageBytes)`,
        ),
      );
    }
    const headers = headersFromMetadata(event.metadata, config.forwardAuthorizationInEvents);
    headers[Header.specVersion] = '1.0';
    headers[Header.id] = event.id;
    headers[Header.type] = event.name;
    headers[Header.source] = event.emitter;
    headers[Header.time] = new Date(event.timestamp).toISOString();
    headers[Header.contentType] = 'application/json';
    headers[Header.timestampMs] = String(event.timestamp);
    const record = { topic: names.eventTopic(event.name), key: keyOf(event), value, headers };
    return pub().publish(record, event.deadline ?? Date.now() + config.publishTimeoutMs, `event ${event.name}`);
  }

  function close(signal: AbortSignal): Promise<void> {
    closing ??= drainAndClose(signal).finally(() => {
      closed = true;
    });
    return closing;
  }

  async function drainAndClose(signal: AbortSignal): Promise<void> {
    // Stop taking records, let running handlers finish (their retry and dead-letter copies
    // included) and commit, leave the groups, then — once the whole app is idle, since handlers
    // draining on other transports may still emit — wait for the producer and close it. When
    // `signal` aborts, stop waiting: what is not committed comes again to the group's next member.
    const abort = () => drained.abort();
    signal.addEventListener('abort', abort, { once: true });
    clearInterval(refresher);
    stopping.abort();
    for (const c of consumers) c.stopConsuming();
    await Promise.all(consumers.map((c) => c.idle(signal)));
    await settledOrAborted(Promise.all(consumers.map((c) => c.close())), signal);
    await appIdle?.(signal);
    await publisher?.idle(signal);
    drained.abort();
    await settledOrAborted(Promise.all([publisher?.close(), admin?.close()]), signal);
    signal.removeEventListener('abort', abort);
    log().debug({ stats }, signal.aborted ? 'Kafka transport closed at the end of the drain time' : 'Kafka transport closed');
  }

  return {
    name: 'kafka',
    attach(context) {
      logger = context.logger;
      if (config.clientId === undefined) clientId = context.appName;
    },
    names,
    stats: () => ({ ...stats, uncommitted: consumers.reduce((n, c) => n + c.uncommitted, 0) }),
    listen,
    publish,
    close,
  };
}
