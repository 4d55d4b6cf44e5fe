import { WharfError } from '@wharf/core/transport';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Log } from '../log.js';
import { backoffDelay } from './backoff.js';
import type { Connection } from './connection.js';
import { timeoutAt } from './deadline-timer.js';

/** What a managed channel does on each fresh channel, and when one is lost. */
export interface ChannelSpec<C extends Channel> {
  /** For logs: `publisher`, `rpc client`, `consumer greeter.on.onGreeted`. */
  readonly name: string;
  readonly confirm: C extends ConfirmChannel ? true : boolean;
  /** Declares topology and starts consuming. A rejection closes the channel and retries later. */
  setup(channel: C): Promise<void>;
  /** The channel is set up and in use (`current` returns it now). */
  ready?(channel: C): void;
  /** A channel given to `setup` is gone (broker closed it, or the connection dropped). */
  lost?(channel: C): void;
}

interface Waiter<C> {
  resolve(channel: C): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A channel that re-opens itself: on every new connection, and after the broker closes it
 * (a channel error, a cancelled consumer) while the connection stays up. Its owner's `setup`
 * re-declares topology and re-consumes each time.
 */
export class ManagedChannel<C extends Channel> {
  readonly #connection: Connection;
  readonly #spec: ChannelSpec<C>;
  readonly #logger: Log;
  readonly #waiters = new Set<Waiter<C>>();
  readonly #offUp: () => void;
  #channel: C | undefined;
  #opening: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #closed = false;
  #first: { resolve(): void; reject(error: Error): void } | undefined;
  readonly #dead = new WeakSet<C>();

  constructor(connection: Connection, spec: ChannelSpec<C>, logger: Log) {
    this.#connection = connection;
    this.#spec = spec;
    this.#logger = logger;
    this.#offUp = connection.onUp((model) => {
      // A fresh connection opens the channel now; a retry still pending from before is moot.
      clearTimeout(this.#retry);
      this.#retry = undefined;
      this.#open(model);
    });
  }

  /** The channel, once set up; undefined while (re)opening. */
  get current(): C | undefined {
    return this.#channel;
  }

  /**
   * Connects if needed and resolves once the first setup succeeded; rejects with the first
   * setup error (a bad declaration fails the app's start instead of retrying forever).
   */
  async start(deadline: number): Promise<void> {
    if (this.#channel !== undefined) return;
    const first = new Promise<void>((resolve, reject) => {
      this.#first = { resolve, reject };
    });
    const model = await this.#connection.connected(deadline);
    this.#open(model);
    await first;
  }

  /** The set-up channel; waits for it (connecting if needed) until `deadline`, then UNAVAILABLE. */
  ready(deadline: number): Promise<C> {
    if (this.#channel !== undefined) return Promise.resolve(this.#channel);
    if (this.#closed) return Promise.reject(new WharfError('UNAVAILABLE', 'The AMQP transport is closed'));
    const model = this.#connection.current;
    if (model !== undefined) this.#open(model);
    else
      this.#connection.connected(deadline).then(
        (m) => this.#open(m),
        () => {},
      );
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = { resolve, reject, timer: undefined };
      waiter.timer = timeoutAt(deadline, () => {
        this.#waiters.delete(waiter);
        reject(new WharfError('UNAVAILABLE', `RabbitMQ is unreachable (${this.#spec.name} channel not open in time)`));
      });
      this.#waiters.add(waiter);
    });
  }

  /** Closes the current channel so that it is opened and set up again (e.g. the broker cancelled a consumer). */
  reset(): void {
    const channel = this.#channel;
    if (channel !== undefined) channel.close().catch(() => {});
  }

  #open(model: ChannelModel): void {
    if (this.#closed || this.#opening !== undefined || this.#channel !== undefined) return;
    this.#opening = this.#openOn(model).finally(() => {
      this.#opening = undefined;
    });
  }

  async #openOn(model: ChannelModel): Promise<void> {
    let channel: C | undefined;
    try {
      channel = (await (this.#spec.confirm ? model.createConfirmChannel() : model.createChannel())) as C;
      const opened = channel;
      opened.on('error', (error: Error) => this.#logger.warn({ err: error, channel: this.#spec.name }, 'AMQP channel error'));
      opened.on('close', () => this.#onClose(opened));
      await this.#spec.setup(opened);
      // The close frame can arrive in the same read as the last setup reply.
      if (this.#dead.has(opened)) throw new Error(`the ${this.#spec.name} channel closed during setup`);
      if (this.#closed) {
        await opened.close().catch(() => {});
        return;
      }
      this.#channel = opened;
      this.#attempt = 0;
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(opened);
      }
      this.#waiters.clear();
      this.#first?.resolve();
      this.#first = undefined;
      this.#spec.ready?.(opened);
    } catch (error) {
      if (this.#first !== undefined) {
        this.#first.reject(error as Error);
        this.#first = undefined;
      } else if (!this.#closed && this.#connection.current === model) {
        this.#logger.error({ err: error, channel: this.#spec.name }, 'Cannot set up an AMQP channel; retrying');
      }
      channel?.close().catch(() => {});
      this.#scheduleRetry();
    }
  }

  #onClose(channel: C): void {
    this.#dead.add(channel);
    // Owners are told about every channel they may have started using in setup, even one that
    // closed before setup finished (a consumer attached, then the channel died).
    this.#spec.lost?.(channel);
    if (this.#channel !== channel) return;
    this.#channel = undefined;
    if (this.#connection.current !== undefined) this.#scheduleRetry();
  }

  /**
   * Opens the channel again after a backoff, on whichever connection is live then — not the one
   * that failed: a setup that failed on a connection which has since been replaced (or a retry
   * pending when it was) must still end with a channel on the new one. While no connection is
   * up, the next one opens it through `onUp`.
   */
  #scheduleRetry(): void {
    if (this.#closed || this.#retry !== undefined) return;
    const delay = backoffDelay(this.#attempt++, {});
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      const model = this.#connection.current;
      if (model !== undefined) this.#open(model);
    }, delay);
  }

  /** Closes the channel for good; waiters get UNAVAILABLE. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#offUp();
    clearTimeout(this.#retry);
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new WharfError('UNAVAILABLE', 'The AMQP transport is closed'));
    }
    this.#waiters.clear();
    this.#first?.reject(new WharfError('UNAVAILABLE', 'The AMQP transport was closed while starting'));
    this.#first = undefined;
    await this.#opening?.catch(() => {});
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel !== undefined) await channel.close().catch(() => {});
  }
}
