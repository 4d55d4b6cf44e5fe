import type { EventEndpoint, RpcEndpoint, TransportHost, TransportObserver } from '@wharf/core/transport';
import { ConsumerReadiness, IdleGate, type RetryPolicy } from '@wharf/core/transport';
import { addressOf } from './connection/broker-address.js';
import type { LazyConnection } from './connection/lazy-connection.js';
import type { EventBus } from './events/bus.js';
import { EventConsumer } from './events/consumer.js';
import { type QueueFeatures, queueFeatures } from './events/topology.js';
import type { Log } from './log.js';
import type { TopologyNames } from './names.js';
import type { ResolvedOptions } from './options.js';
import { claimServiceName } from './rpc/name-claim.js';
import { RpcServer } from './rpc/server.js';
import type { AmqpStats } from './stats.js';

/** What the server half needs. */
export interface ServerSideOptions {
  readonly config: ResolvedOptions;
  readonly policy: RetryPolicy;
  readonly names: TopologyNames;
  readonly connection: LazyConnection;
  readonly logger: Log;
  readonly stats: AmqpStats;
  /** Carries the event consumers' retries and dead letters. */
  readonly bus: EventBus;
  /** The app's transport observers, known once the transport is attached. */
  readonly observer: () => Required<TransportObserver> | undefined;
}

/**
 * The transport's server half: at `listen`, one RPC consumer per served service and major version
 * (instances of a service share its queue) and one event consumer per `@On` handler; at close,
 * they stop taking deliveries, finish those being handled, and close.
 */
export class ServerSide {
  readonly #options: ServerSideOptions;
  readonly #servers: RpcServer[] = [];
  readonly #consumers: EventConsumer[] = [];
  /** Deliveries being handled by any of the consumers. */
  readonly #deliveries = new IdleGate();
  #host: TransportHost | undefined;

  constructor(options: ServerSideOptions) {
    this.#options = options;
  }

  /** Declares and consumes every queue `host` serves; the addresses to register (none without RPCs). */
  async listen(host: TransportHost): Promise<readonly string[]> {
    this.#host = host;
    const { config, names, logger } = this.#options;
    const deadline = Date.now() + config.connectTimeoutMs;
    const connection = this.#options.connection.get();
    const model = await connection.connected(deadline);
    const features = queueFeatures(connection.serverVersion, config.queueType, config.deliveryLimit);

    const rpcQueues = new Map<string, RpcEndpoint[]>();
    for (const endpoint of host.rpcs) {
      const queue = names.rpcQueue(endpoint.service, endpoint.major);
      rpcQueues.set(queue, [...(rpcQueues.get(queue) ?? []), endpoint]);
    }
    const streaming = host.rpcs.filter((e) => e.stream !== 'unary').map((e) => `${e.fullName} (${e.stream} stream)`);
    if (streaming.length > 0) {
      logger.info(
        { endpoints: streaming },
        `Not served over AMQP, which carries unary RPCs only; these answer UNIMPLEMENTED there: ${streaming.join(', ')}`,
      );
    }
    const readiness = new ConsumerReadiness(
      host,
      [...rpcQueues.keys(), ...host.subscriptions.map((endpoint) => names.handlerQueue(endpoint.service, endpoint.name))],
      'AMQP consumers not attached',
    );
    for (const [queue, endpoints] of rpcQueues) {
      const { service, version } = endpoints[0] as RpcEndpoint;
      await claimServiceName(model, queue, { service, version, methods: endpoints.map((e) => e.name).sort() });
      this.#servers.push(this.#rpcServer(host, queue, endpoints, readiness));
    }
    for (const endpoint of host.subscriptions) this.#consumers.push(this.#eventConsumer(host, endpoint, features, readiness));

    // One consumer at a time: their declarations overlap (the shared delay and dead-letter
    // queues), and a failing declaration then names the queue it failed on.
    if (this.#consumers.length > 0) await this.#options.bus.publisher().start(deadline);
    for (const server of this.#servers) await server.start(deadline);
    for (const consumer of this.#consumers) await consumer.start(deadline);
    logger.info(
      { queueType: features.type, rpcQueues: [...rpcQueues.keys()], eventQueues: this.#consumers.map((x) => x.name) },
      'AMQP consumers attached',
    );
    return this.#servers.length > 0 ? [addressOf(config.url, config.namespace)] : [];
  }

  #rpcServer(host: TransportHost, queue: string, endpoints: RpcEndpoint[], readiness: ConsumerReadiness): RpcServer {
    const { config, connection, logger, stats } = this.#options;
    const { service, major } = endpoints[0] as RpcEndpoint;
    return new RpcServer({
      connection: connection.get(),
      logger,
      host,
      service,
      major,
      queue,
      endpoints,
      prefetch: config.prefetch({ kind: 'rpc', service, queue }),
      expiresMs: config.rpcQueueExpiresMs,
      maxMessageBytes: config.maxMessageBytes,
      defaultTimeoutMs: config.defaultTimeoutMs,
      readiness,
      deliveries: this.#deliveries,
      stats,
      observer: this.#options.observer(),
    });
  }

  #eventConsumer(
    host: TransportHost,
    endpoint: EventEndpoint,
    features: QueueFeatures,
    readiness: ConsumerReadiness,
  ): EventConsumer {
    const { config, policy, names, connection, logger, stats, bus } = this.#options;
    const queue = names.handlerQueue(endpoint.service, endpoint.name);
    return new EventConsumer({
      connection: connection.get(),
      logger,
      host,
      endpoint,
      names,
      queue,
      features,
      policy,
      prefetch: config.prefetch({ kind: 'event', service: endpoint.service, handler: endpoint.name, queue }),
      publisher: bus.publisher(),
      dedupe: config.dedupe,
      handlerTimeoutMs: config.handlerTimeoutMs,
      publishTimeoutMs: config.publishTimeoutMs,
      maxMessageBytes: config.maxMessageBytes,
      readiness,
      deliveries: this.#deliveries,
      stats,
      observer: this.#options.observer(),
    });
  }

  /** Stops taking deliveries; those being handled go on. */
  async stopConsuming(): Promise<void> {
    await Promise.all([...this.#servers, ...this.#consumers].map((x) => x.stopConsuming()));
  }

  /** Resolves when no delivery is being handled, or when `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    return this.#deliveries.idle(signal);
  }

  /** Resolves when the app that listened has no handler running on any transport (at once if none listened). */
  async appIdle(signal: AbortSignal): Promise<void> {
    await this.#host?.idle(signal);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#servers, ...this.#consumers].map((x) => x.close()));
  }
}
