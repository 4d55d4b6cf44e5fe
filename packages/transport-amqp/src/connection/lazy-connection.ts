import type { Log } from '../log.js';
import type { ResolvedOptions } from '../options.js';
import { Connection } from './connection.js';

/**
 * The transport's one connection, made on first use: an app that neither serves, calls nor
 * publishes over AMQP never connects, and the connection is named after the app, which `attach`
 * tells only after the transport was made.
 */
export class LazyConnection {
  readonly #config: ResolvedOptions;
  readonly #logger: Log;
  #appName: string | undefined;
  #connection: Connection | undefined;
  #reconnected: (() => void) | undefined;

  constructor(config: ResolvedOptions, logger: Log) {
    this.#config = config;
    this.#logger = logger;
  }

  /** Names the connection after the first app attached, unless `connectionName` names it. */
  nameAfter(appName: string): void {
    this.#appName ??= appName;
  }

  /** Calls `listener` each time a lost connection is re-established. */
  onReconnect(listener: () => void): void {
    this.#reconnected = listener;
  }

  get(): Connection {
    if (this.#connection !== undefined) return this.#connection;
    const connection = new Connection({
      url: this.#config.url,
      heartbeatSeconds: this.#config.heartbeatSeconds,
      reconnect: this.#config.reconnect,
      name: this.#config.connectionName ?? this.#appName ?? 'wharf',
      logger: this.#logger,
    });
    let seen = 0;
    connection.onUp(() => {
      if (connection.reconnects === seen) return;
      seen = connection.reconnects;
      this.#reconnected?.();
    });
    this.#connection = connection;
    return connection;
  }

  /** Connections opened after the first; 0 while none was made. */
  get reconnects(): number {
    return this.#connection?.reconnects ?? 0;
  }

  /** Closes the connection, if one was made (see `Connection.close`). */
  async close(signal: AbortSignal): Promise<void> {
    await this.#connection?.close(signal);
  }
}
