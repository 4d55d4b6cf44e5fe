import type { Transport, TransportObserver } from '@wharf/core/transport';
import { memoryDedupe, retryPolicy, settledOrAborted, WharfError } from '@wharf/core/transport';
import { brokerMatcher } from './connection/broker-address.js';
import { LazyConnection } from './connection/lazy-connection.js';
import { EventBus } from './events/bus.js';
import { LateLog } from './log.js';
import { type TopologyNames, topologyNames } from './names.js';
import { type AmqpTransportOptions, resolveOptions } from './options.js';
import { ClientSide } from './rpc/client-side.js';
import { ServerSide } from './server-side.js';
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
  const stats = newStats();
  const connection = new LazyConnection(config, log);
  const bus = new EventBus({ config, names, connection, logger: log });
  const client = new ClientSide({ config, connection, logger: log, reaches });
  let observer: Required<TransportObserver> | undefined;
  const server = new ServerSide({ config, policy, names, connection, logger: log, stats, bus, observer: () => observer });
  let closing: Promise<void> | undefined;
  let closed = false;

  function closedError(what: string): WharfError {
    return new WharfError('UNAVAILABLE', `Cannot ${what}: the AMQP transport is closed`);
  }

  async function drainAndClose(signal: AbortSignal): Promise<void> {
    // Stop taking work, finish what was delivered (acks, replies, retry publishes), wait for
    // outstanding confirms and replies, then close. When `signal` aborts, close at once: what
    // is unacked goes back to its queue. Every step that waits for the broker is raced against
    // `signal`: a broker that stopped answering must not hold the app's stop past its drain time.
    const within = (work: Promise<unknown>) => settledOrAborted(work, signal);
    await within(server.stopConsuming());
    await server.idle(signal);
    // Handlers still draining on other transports (an HTTP request, a gRPC stream) may emit or
    // call over AMQP: keep the publisher and the RPC client open until the whole app is idle.
    await server.appIdle(signal);
    await Promise.all([bus.idle(signal), client.idle(signal)]);
    await within(server.close());
    await within(Promise.all([client.close(), bus.close()]));
    await connection.close(signal);
    log.debug({ stats }, signal.aborted ? 'AMQP transport closed at the end of the drain time' : 'AMQP transport closed');
  }

  return {
    name: 'amqp',
    streams: ['unary'],
    attach(context) {
      connection.nameAfter(context.appName);
      if (config.logger === undefined) log.use(context.logger);
      observer = context.observer;
      connection.onReconnect(() => context.observer.reconnected('amqp'));
    },
    names,
    stats: () => ({ ...stats, reconnects: connection.reconnects }),
    listen: async (host) => {
      if (closed) throw closedError('listen');
      return server.listen(host);
    },
    reaches,
    call: (call) => (closed ? Promise.reject(closedError(`call ${call.ref.fullName}`)) : client.call(call)),
    publish: (event) => (closed ? Promise.reject(closedError(`publish event ${event.name}`)) : bus.publish(event)),
    close(signal) {
      closing ??= drainAndClose(signal).finally(() => {
        closed = true;
      });
      return closing;
    },
  };
}
