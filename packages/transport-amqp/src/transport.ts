import type { OutboundEvent, RpcEndpoint, Transport, TransportHost } from '@wharf/core/transport';
import { IdleGate, WharfError } from '@wharf/core/transport';
import { addressOf, brokerMatcher, brokerOf, describeBroker, redactUrl } from './connection/broker-address.js';
import { Connection } from './connection/connection.js';
import { Readiness } from './connection/readiness.js';
import { settledOrAborted } from './connection/settled-or-aborted.js';
import { EventConsumer } from './events/consumer.js';
import { memoryDedupe } from './events/dedupe.js';
import { Publisher } from './events/publisher.js';
import { retryPolicy } from './events/retry-policy.js';
import { declareExchanges, queueFeatures } from './events/topology.js';
import { headersFromMetadata } from './headers.js';
import { LateLog } from './log.js';
import { Header, type TopologyNames, topologyNames } from './names.js';
import { type AmqpTransportOptions, resolveOptions } from './options.js';
import { RpcClient } from './rpc/client.js';
import { RpcServer } from './rpc/server.js';
import { type AmqpStats, newStats } from './stats.js';

/** The AMQP transport: a Transport, plus its topology names and counters. */
export interface AmqpTransport extends Transport {
  readonly name: 'amqp';
  /** The exchange and queue names it uses (after the namespace prefix). */
  readonly names: TopologyNames;
  /** What its consumers did so far. */
  stats(): Readonly<AmqpStats>;
  /**
   * True when `address` names this transport's broker (host and port, or one of `brokerAliases`)
   * and vhost; any namespace on it is reachable.
   */
  reaches(address: string): boolean;
}

/**
 * AMQP (RabbitMQ) transport: unary RPC over direct reply-to, and the event bus with publisher
 * confirms, manual acks, delayed retries, dead letters, deduplication and reconnection. Put it
 * first among the app's transports with a `publish` to make it the event bus.
 *
 * Wire protocol: docs/transports/amqp.md.
 */
export function amqpTransport(options: AmqpTransportOptions = {}): AmqpTransport {
  const config = resolveOptions(options, () => memoryDedupe());
  const policy = retryPolicy(config.retry);
  const names = topologyNames(config.namespace);
  const log = new LateLog();
  if (config.logger !== undefined) log.use(config.logger);
  const reaches = brokerMatcher(config.url, config.brokerAliases);
  const own = brokerOf(config.url);
  const deliveries = new IdleGate();
  const stats = newStats();
  const servers: RpcServer[] = [];
  const consumers: EventConsumer[] = [];
  let appName: string | undefined;
  let connection: Connection | undefined;
  let publisher: Publisher | undefined;
  let rpcClient: RpcClient | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;
  let appIdle: ((signal: AbortSignal) => Promise<void>) | undefined;

  function conn(): Connection {
    connection ??= new Connection({
      url: config.url,
      heartbeatSeconds: config.heartbeatSeconds,
      reconnect: config.reconnect,
      name: config.connectionName ?? appName ?? 'wharf',
      logger: log,
    });
    return connection;
  }

  function pub(): Publisher {
    publisher ??= new Publisher({
      connection: conn(),
      logger: log,
      maxBuffered: config.maxBufferedPublishes,
      setup: (channel) => declareExchanges(channel, names),
    });
    return publisher;
  }

  function client(): RpcClient {
    rpcClient ??= new RpcClient({
      connection: conn(),
      logger: log,
      namespace: config.namespace,
      maxBuffered: config.maxBufferedPublishes,
      maxMessageBytes: config.maxMessageBytes,
      connectWaitMs: config.publishTimeoutMs,
      reaches,
      broker: own === undefined ? redactUrl(config.url) : describeBroker(own),
    });
    return rpcClient;
  }

  function closedError(what: string): WharfError {
    return new WharfError('UNAVAILABLE', `Cannot ${what}: the AMQP transport is closed`);
  }

  async function listen(host: TransportHost): Promise<readonly string[]> {
    if (closed) throw closedError('listen');
    appIdle = host.idle;
    const deadline = Date.now() + config.connectTimeoutMs;
    const c = conn();
    await c.connected(deadline);
    const queueKinds = queueFeatures(c.serverVersion, config.queueType, config.deliveryLimit);

    const byService = new Map<string, RpcEndpoint[]>();
    for (const endpoint of host.rpcs) {
      const key = names.rpcQueue(endpoint.service, endpoint.major);
      byService.set(key, [...(byService.get(key) ?? []), endpoint]);
    }
    const streaming = host.rpcs.filter((e) => e.stream !== 'unary').map((e) => `${e.fullName} (${e.stream} stream)`);
    if (streaming.length > 0) {
      log.info(
        { endpoints: streaming },
        `Not served over AMQP, which carries unary RPCs only; these answer UNIMPLEMENTED there: ${streaming.join(', ')}`,
      );
    }
    const consumerNames = [
      ...byService.keys(),
      ...host.subscriptions.map((endpoint) => names.handlerQueue(endpoint.service, endpoint.name)),
    ];
    const readiness = new Readiness(host, consumerNames);

    for (const [queue, endpoints] of byService) {
      const first = endpoints[0] as RpcEndpoint;
      servers.push(
        new RpcServer({
          connection: c,
          logger: log,
          host,
          service: first.service,
          major: first.major,
          queue,
          endpoints,
          prefetch: config.prefetch({ kind: 'rpc', service: first.service, queue }),
          expiresMs: config.rpcQueueExpiresMs,
          maxMessageBytes: config.maxMessageBytes,
          defaultTimeoutMs: config.defaultTimeoutMs,
          readiness,
          deliveries,
          stats,
        }),
      );
    }
    for (const endpoint of host.subscriptions) {
      const queue = names.handlerQueue(endpoint.service, endpoint.name);
      consumers.push(
        new EventConsumer({
          connection: c,
          logger: log,
          host,
          endpoint,
          names,
          queue,
          features: queueKinds,
          policy,
          prefetch: config.prefetch({ kind: 'event', service: endpoint.service, handler: endpoint.name, queue }),
          publisher: pub(),
          dedupe: config.dedupe,
          handlerTimeoutMs: config.handlerTimeoutMs,
          publishTimeoutMs: config.publishTimeoutMs,
          maxMessageBytes: config.maxMessageBytes,
          readiness,
          deliveries,
          stats,
        }),
      );
    }
    // One consumer at a time: their declarations overlap (the shared delay and dead-letter
    // queues), and a failing declaration then names the queue it failed on.
    if (consumers.length > 0) await pub().start(deadline);
    for (const server of servers) await server.start(deadline);
    for (const consumer of consumers) await consumer.start(deadline);
    log.info(
      { queueType: queueKinds.type, rpcQueues: [...byService.keys()], eventQueues: consumers.map((x) => x.name) },
      'AMQP consumers attached',
    );
    return servers.length > 0 ? [addressOf(config.url, config.namespace)] : [];
  }

  function publish(event: OutboundEvent): Promise<void> {
    if (closed) return Promise.reject(closedError(`publish event ${event.name}`));
    let content: Buffer;
    try {
      content = Buffer.from(JSON.stringify(event.payload) ?? 'null');
    } catch (error) {
      return Promise.reject(
        new WharfError(
          'INVALID_ARGUMENT',
          `The payload of event ${event.name} cannot be sent as JSON: ${(error as Error).message}`,
        ),
      );
    }
    if (content.length > config.maxMessageBytes) {
      return Promise.reject(
        new WharfError(
          'INVALID_ARGUMENT',
          `Event ${event.name} is ${content.length} bytes; the AMQP transport sends at most ${config.maxMessageBytes} (maxMessageBytes)`,
        ),
      );
    }
    const headers = headersFromMetadata(event.metadata, config.forwardAuthorizationInEvents);
    headers[Header.timestampMs] = event.timestamp;
    return pub().publish({
      exchange: names.eventsExchange,
      routingKey: event.name,
      content,
      options: {
        messageId: event.id,
        timestamp: Math.floor(event.timestamp / 1000),
        type: event.name,
        appId: event.emitter,
        contentType: 'application/json',
        persistent: true,
        headers,
      },
      deadline: event.deadline ?? Date.now() + config.publishTimeoutMs,
      signal: event.signal,
      what: `event ${event.name}`,
    });
  }

  function close(signal: AbortSignal): Promise<void> {
    closing ??= drainAndClose(signal).finally(() => {
      closed = true;
    });
    return closing;
  }

  async function drainAndClose(signal: AbortSignal): Promise<void> {
    // Stop taking work, finish what was delivered (acks, replies, retry publishes), wait for
    // outstanding confirms and replies, then close. When `signal` aborts, close at once: what
    // is unacked goes back to its queue. Every step that waits for the broker is raced against
    // `signal`: a broker that stopped answering must not hold the app's stop past its drain time.
    const within = (work: Promise<unknown>) => settledOrAborted(work, signal);
    await within(Promise.all([...servers, ...consumers].map((x) => x.stopConsuming())));
    await deliveries.idle(signal);
    // Handlers still draining on other transports (an HTTP request, a gRPC stream) may emit or
    // call over AMQP: keep the publisher and the RPC client open until the whole app is idle.
    await appIdle?.(signal);
    await Promise.all([publisher?.idle(signal), rpcClient?.idle(signal)]);
    await within(Promise.all([...servers, ...consumers].map((x) => x.close())));
    await within(Promise.all([rpcClient?.close(), publisher?.close()]));
    await connection?.close(signal);
    log.debug({ stats }, signal.aborted ? 'AMQP transport closed at the end of the drain time' : 'AMQP transport closed');
  }

  return {
    name: 'amqp',
    streams: ['unary'],
    attach(context) {
      appName ??= context.appName;
      if (config.logger === undefined) log.use(context.logger);
    },
    names,
    stats: () => ({ ...stats, reconnects: connection?.reconnects ?? 0 }),
    listen,
    reaches,
    call: (call) => (closed ? Promise.reject(closedError(`call ${call.ref.fullName}`)) : client().call(call)),
    publish,
    close,
  };
}
