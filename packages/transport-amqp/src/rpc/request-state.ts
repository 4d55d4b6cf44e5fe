import type { ResponseChannel } from '@wharf/core/transport';

/** Response metadata of one request, sent as reply headers. */
export class ReplyHeaders implements ResponseChannel {
  values: Record<string, unknown> | undefined;

  header(key: string, value: string | Uint8Array): void {
    this.values ??= {};
    this.values[key.toLowerCase()] = typeof value === 'string' ? value : Buffer.from(value);
  }

  trailer(key: string, value: string | Uint8Array): void {
    this.header(key, value);
  }

  flushHeaders(): void {}
}

/**
 * The requests in flight on one channel that must be cancelled when it dies (their replies can no
 * longer be delivered). Handed to dispatch as `onCancel`: a Set insert per request, cheaper than
 * an AbortSignal listener.
 */
export class CancelSet {
  readonly #cancels = new Set<() => void>();
  #fired = false;

  /** Registers `cancel`; returns its unsubscribe. Calls it at once when the channel is already gone. */
  readonly register = (cancel: () => void): (() => void) => {
    if (this.#fired) {
      cancel();
      return () => {};
    }
    this.#cancels.add(cancel);
    return () => this.#cancels.delete(cancel);
  };

  /** The channel died: cancels every request registered. */
  fire(): void {
    this.#fired = true;
    const cancels = [...this.#cancels];
    this.#cancels.clear();
    for (const cancel of cancels) cancel();
  }
}
