import type { OutboundCall } from '@wharf/core/transport';
import { brokerOf, describeBroker, redactUrl } from '../connection/broker-address.js';
import type { LazyConnection } from '../connection/lazy-connection.js';
import type { Log } from '../log.js';
import type { ResolvedOptions } from '../options.js';
import { RpcClient } from './client.js';

/** What the client half needs. */
export interface ClientSideOptions {
  readonly config: ResolvedOptions;
  readonly connection: LazyConnection;
  readonly logger: Log;
  /** Whether an address names this transport's broker and vhost. */
  readonly reaches: (address: string) => boolean;
}

/**
 * The transport's client half: one RPC client, made on the first call, so that an app that only
 * serves or publishes opens no reply channel.
 */
export class ClientSide {
  readonly #options: ClientSideOptions;
  #client: RpcClient | undefined;

  constructor(options: ClientSideOptions) {
    this.#options = options;
  }

  call(call: OutboundCall): Promise<unknown> {
    return this.#rpcClient().call(call);
  }

  #rpcClient(): RpcClient {
    if (this.#client !== undefined) return this.#client;
    const { config, connection, logger, reaches } = this.#options;
    const own = brokerOf(config.url);
    this.#client = new RpcClient({
      connection: connection.get(),
      logger,
      namespace: config.namespace,
      maxBuffered: config.maxBufferedPublishes,
      maxMessageBytes: config.maxMessageBytes,
      connectWaitMs: config.publishTimeoutMs,
      reaches,
      broker: own === undefined ? redactUrl(config.url) : describeBroker(own),
    });
    return this.#client;
  }

  /** Resolves when no call is in flight, or when `signal` aborts. */
  async idle(signal: AbortSignal): Promise<void> {
    await this.#client?.idle(signal);
  }

  /** Fails calls still in flight with UNAVAILABLE and closes the client's channel. */
  async close(): Promise<void> {
    await this.#client?.close();
  }
}
