import { settledOrAborted, WharfError } from '@wharf/core/transport';
import amqp, { type ChannelModel } from 'amqplib';
import type { Log } from '../log.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { redactUrl } from './broker-address.js';
import { timeoutAt } from './deadline-timer.js';
import { refusalOf } from './refusal.js';

/** What a connection is made from. */
export interface ConnectionOptions {
  readonly url: string;
  readonly heartbeatSeconds: number;
  readonly reconnect: BackoffOptions;
  readonly name: string;
  readonly logger: Log;
}

interface Waiter {
  resolve(model: ChannelModel): void;
  reject(error: WharfError): void;
}

/**
 * One AMQP connection that reconnects itself: exponential backoff with jitter, one reconnect
 * loop at a time (two loops would open two connections and ack on the wrong one), Nagle off,
 * heartbeats on, and an `error` listener always attached so a broker error never becomes an
 * uncaught exception. Channels are re-opened by their owners when `onUp` fires.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #url: string;
  readonly #up = new Set<(model: ChannelModel) => void>();
  readonly #down = new Set<(error: Error | undefined) => void>();
  readonly #waiters = new Set<Waiter>();
  #model: ChannelModel | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  #lastError: Error | undefined;
  #wake: (() => void) | undefined;
  /** Aborts the connect attempt in flight (its socket), when the connection is closed meanwhile. */
  #connecting: AbortController | undefined;
  /** The broker's version, once connected (`3.10.8`). */
  serverVersion: string | undefined;
  /** Connections opened after the first. */
  reconnects = 0;
  #opened = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    const url = new URL(options.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(options.heartbeatSeconds));
    this.#url = url.toString();
  }

  /** The live connection, or undefined while disconnected. */
  get current(): ChannelModel | undefined {
    return this.#model;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` with each new connection (after a reconnect, too). Returns an unsubscribe. */
  onUp(listener: (model: ChannelModel) => void): () => void {
    this.#up.add(listener);
    return () => this.#up.delete(listener);
  }

  /** Calls `listener` when the connection is lost. */
  onDown(listener: (error: Error | undefined) => void): () => void {
    this.#down.add(listener);
    return () => this.#down.delete(listener);
  }

  /**
   * The live connection; starts connecting when there is none. Rejects with UNAVAILABLE when
   * `deadline` passes first or the connection is closed.
   */
  connected(deadline: number): Promise<ChannelModel> {
    if (this.#model !== undefined) return Promise.resolve(this.#model);
    if (this.#closed) return Promise.reject(this.#closedError());
    this.#ensureLoop();
    return new Promise((resolve, reject) => {
      const timer = timeoutAt(deadline, () => {
        this.#waiters.delete(waiter);
        const why = this.#lastError ? `: ${this.#lastError.message}` : '';
        reject(
          new WharfError(
            'UNAVAILABLE',
            `Cannot reach RabbitMQ at ${redactUrl(this.#options.url)} in time${why}. Check that the broker runs and the URL and credentials are right`,
          ),
        );
      });
      const waiter: Waiter = {
        resolve: (model) => {
          clearTimeout(timer);
          resolve(model);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Starts the reconnect loop unless one runs: there is never more than one. */
  #ensureLoop(): void {
    if (this.#loop !== undefined || this.#closed || this.#model !== undefined) return;
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
    });
  }

  async #run(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      const abort = new AbortController();
      this.#connecting = abort;
      try {
        const socketOptions = {
          noDelay: true,
          timeout: 10_000,
          // amqplib passes these to net.connect, which destroys the socket when `signal` aborts:
          // `close` ends a connect in flight (amqplib's types do not list it).
          signal: abort.signal,
          clientProperties: { connection_name: this.#options.name },
        };
        const model = await amqp.connect(this.#url, socketOptions);
        if (this.#closed) {
          await dispose(model, CLOSE_GRACE_MS);
          return;
        }
        if (!coalesceWrites(model)) {
          this.#options.logger.debug(
            'amqplib internals differ from what write coalescing expects; frames are written one by one',
          );
        }
        this.#attach(model);
        return;
      } catch (error) {
        if (this.#closed) return;
        this.#lastError = error as Error;
        const refusal = refusalOf(error, redactUrl(this.#options.url));
        if (refusal !== undefined) {
          this.#options.logger.error({ err: refusal }, refusal.message);
          for (const waiter of this.#waiters) waiter.reject(refusal);
          this.#waiters.clear();
          return;
        }
        const delay = backoffDelay(attempt, this.#options.reconnect);
        this.#options.logger.warn(
          { err: error, attempt: attempt + 1, retryInMs: delay },
          `Cannot connect to RabbitMQ at ${redactUrl(this.#options.url)}; retrying`,
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      } finally {
        this.#connecting = undefined;
      }
    }
  }

  #attach(model: ChannelModel): void {
    const log = this.#options.logger;
    model.on('error', (error: Error) => {
      if (this.#closed) log.debug({ err: error }, 'RabbitMQ connection error while closing');
      else log.warn({ err: error }, 'RabbitMQ connection error');
    });
    model.on('close', (error?: Error) => this.#lost(model, error));
    model.on('blocked', (reason: string) =>
      log.warn({ reason }, 'RabbitMQ blocked this connection (resource alarm); publishes wait until it is unblocked'),
    );
    model.on('unblocked', () => log.info('RabbitMQ unblocked this connection'));
    this.serverVersion = model.connection.serverProperties.version;
    if (this.#opened++ > 0) this.reconnects++;
    this.#model = model;
    this.#lastError = undefined;
    log.info({ url: redactUrl(this.#options.url), server: this.serverVersion }, 'Connected to RabbitMQ');
    for (const waiter of this.#waiters) waiter.resolve(model);
    this.#waiters.clear();
    for (const listener of this.#up) listener(model);
  }

  #lost(model: ChannelModel, error: Error | undefined): void {
    if (this.#model !== model) return;
    this.#model = undefined;
    if (this.#closed) return;
    this.#lastError = error;
    this.#options.logger.warn({ err: error }, 'Lost the RabbitMQ connection; reconnecting');
    for (const listener of this.#down) listener(error);
    this.#ensureLoop();
  }

  #closedError(): WharfError {
    return new WharfError('UNAVAILABLE', 'The AMQP transport is closed');
  }

  /**
   * Closes the connection and stops reconnecting (a connect attempt in flight is abandoned);
   * waiters get UNAVAILABLE. Waits for the broker's close-ok until `signal` aborts, then destroys
   * the socket: a broker or network that stopped answering cannot hold the close.
   */
  async close(signal: AbortSignal = new AbortController().signal): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#connecting?.abort();
    for (const waiter of this.#waiters) waiter.reject(this.#closedError());
    this.#waiters.clear();
    const model = this.#model;
    this.#model = undefined;
    if (model !== undefined && !(await settledOrAborted(model.close(), signal))) destroySocket(model);
    if (this.#loop !== undefined) await settledOrAborted(this.#loop, signal);
  }
}

/** How long a connection opened after `close` gets for its own close handshake. */
const CLOSE_GRACE_MS = 1_000;

/** Tears the TCP connection down without the close handshake. */
function destroySocket(model: ChannelModel): void {
  const stream = (model.connection as unknown as { stream?: { destroy(error?: Error): void } }).stream;
  // With an error, amqplib's socket-error path runs: channels closed, heartbeat timer cleared.
  stream?.destroy(new Error('The AMQP transport closed the connection at the end of the drain time'));
}

/** Closes `model`, destroying its socket if the broker does not confirm within `graceMs`. */
async function dispose(model: ChannelModel, graceMs: number): Promise<void> {
  model.on('error', () => {});
  if (!(await settledOrAborted(model.close(), AbortSignal.timeout(graceMs)))) destroySocket(model);
}

// amqplib's multiplexer writes each frame to the socket with its own write() call; with Nagle
// off (noDelay, needed to avoid ~40 ms stalls) each becomes a syscall and a TCP segment, and
// profiling shows the server spending most of its CPU there. Corking the socket around one pass
// of the multiplexer sends every frame queued in that turn of the event loop (replies, acks,
// publishes of many concurrent messages) in one writev, without delaying any of them.

interface AmqplibInternals {
  readonly connection?: {
    readonly stream?: { cork?(): void; uncork?(): void };
    readonly muxer?: { _readIncoming?: () => void };
  };
}

/** Batches the frames of one multiplexer pass into one socket write; false when amqplib's internals differ (then nothing changes). */
function coalesceWrites(model: ChannelModel): boolean {
  const connection = (model as unknown as AmqplibInternals).connection;
  const socket = connection?.stream;
  const muxer = connection?.muxer;
  const cork = socket?.cork;
  const uncork = socket?.uncork;
  const read = muxer?._readIncoming;
  if (socket === undefined || muxer === undefined || cork === undefined || uncork === undefined || read === undefined) {
    return false;
  }
  Object.assign(muxer, {
    _readIncoming(this: unknown) {
      cork.call(socket);
      try {
        read.call(this);
      } finally {
        uncork.call(socket);
      }
    },
  });
  return true;
}
