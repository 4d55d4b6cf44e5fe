import type { OutboundEvent } from '@wharf/core/transport';
import { WharfError } from '@wharf/core/transport';
import type { LazyConnection } from '../connection/lazy-connection.js';
import { headersFromMetadata } from '../headers.js';
import type { Log } from '../log.js';
import { Header, type TopologyNames } from '../names.js';
import type { ResolvedOptions } from '../options.js';
import { Publisher } from './publisher.js';
import { declareExchanges } from './topology.js';

/** What the event bus needs. */
export interface EventBusOptions {
  readonly config: ResolvedOptions;
  readonly names: TopologyNames;
  readonly connection: LazyConnection;
  readonly logger: Log;
}

/**
 * The event bus: each event goes to the topic exchange, routing key = event name, and its publish
 * resolves once the broker confirmed it. The publisher is made on first use — the first event
 * emitted, or the first event consumer, whose retries and dead letters it carries too — so an app
 * without events opens no channel for them.
 */
export class EventBus {
  readonly #options: EventBusOptions;
  #publisher: Publisher | undefined;

  constructor(options: EventBusOptions) {
    this.#options = options;
  }

  publisher(): Publisher {
    const { config, names, connection, logger } = this.#options;
    this.#publisher ??= new Publisher({
      connection: connection.get(),
      logger,
      maxBuffered: config.maxBufferedPublishes,
      setup: (channel) => declareExchanges(channel, names),
    });
    return this.#publisher;
  }

  publish(event: OutboundEvent): Promise<void> {
    const { config, names } = this.#options;
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
    return this.publisher().publish({
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

  /** Resolves when every publish is confirmed or failed, or when `signal` aborts. */
  async idle(signal: AbortSignal): Promise<void> {
    await this.#publisher?.idle(signal);
  }

  /** Fails what is still unconfirmed with UNAVAILABLE and closes the publisher's channel. */
  async close(): Promise<void> {
    await this.#publisher?.close();
  }
}
