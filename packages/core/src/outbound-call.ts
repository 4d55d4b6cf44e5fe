import type { RpcCall } from './client-call.js';
import type { Context, ServerCallImpl } from './context.js';
import type { RpcRef } from './endpoint.js';
import { deadlineAfter, type Epoch, epochNow } from './lazy-deadline.js';
import type { Transport } from './transport.js';

/**
 * An outbound RPC as client middleware and transports see it (`RpcCall`). A class, so that its
 * deadline can start pending (see lazy-deadline.ts) and `locals` costs nothing until used.
 */
export class OutboundRpc implements RpcCall {
  readonly ref: RpcRef;
  readonly input: unknown;
  readonly metadata: Record<string, string>;
  readonly parent: Context | undefined;
  address: string | undefined;
  transport: string | undefined = undefined;
  via: Transport | undefined = undefined;
  /** @internal The clock reading the deadline was computed from, if one was read. */
  clock: number | undefined;
  #deadline: number | undefined;
  // While set, the deadline is pending: `#pendingMs` (> 0) from the end of this epoch.
  #epoch: Epoch | undefined;
  readonly #pendingMs: number;
  #locals: Record<string, unknown> | undefined = undefined;
  // The caller's own signal, if it gave one; otherwise cancellation follows the handler making the
  // call, without the AbortSignal its `signal` would create (~4 µs with its listeners, Node 20).
  readonly #signal: AbortSignal | undefined;
  readonly #handler: ServerCallImpl | undefined;

  /**
   * `deadline` is the call's deadline, computed from the clock reading `clock` (if one was needed);
   * or, when `pendingMs` is above 0, the deadline is pending and `deadline` is ignored.
   */
  constructor(
    ref: RpcRef,
    input: unknown,
    metadata: Record<string, string>,
    deadline: number | undefined,
    clock: number | undefined,
    pendingMs: number,
    signal: AbortSignal | undefined,
    parent: ServerCallImpl | undefined,
    address: string | undefined,
  ) {
    this.ref = ref;
    this.input = input;
    this.metadata = metadata;
    this.#signal = signal;
    this.#handler = signal === undefined ? parent : undefined;
    this.parent = parent;
    this.address = address;
    this.#deadline = deadline;
    this.clock = clock;
    this.#pendingMs = pendingMs;
    this.#epoch = pendingMs > 0 ? epochNow() : undefined;
  }

  // Derived rather than stored: four fewer fields to fill on every call.
  get side(): 'client' {
    return 'client';
  }

  get kind(): 'rpc' {
    return 'rpc';
  }

  /** The called service (`ref.service`). */
  get service(): string {
    return this.ref.service;
  }

  /** The called method (`ref.name`). */
  get method(): string {
    return this.ref.name;
  }

  /** Absolute deadline (epoch ms); reading a pending one fixes it (see lazy-deadline.ts). */
  get deadline(): number | undefined {
    const epoch = this.#epoch;
    if (epoch !== undefined) {
      this.#deadline = deadlineAfter(epoch, this.#pendingMs);
      this.#epoch = undefined;
      this.clock = epoch.end;
    }
    return this.#deadline;
  }

  set deadline(at: number | undefined) {
    this.#epoch = undefined;
    this.#deadline = at;
  }

  /** @internal The epoch of a pending deadline; undefined once it is fixed (reading this fixes nothing). */
  get epoch(): Epoch | undefined {
    return this.#epoch;
  }

  /** @internal The timeout of a pending deadline. */
  get pendingMs(): number {
    return this.#pendingMs;
  }

  /** The caller's signal, or the calling handler's (created now if it can be cancelled at all). */
  get signal(): AbortSignal | undefined {
    return this.#signal ?? this.#handler?.cancellation();
  }

  /** Whether anything can cancel the call: a signal of the caller's, or a cancellable calling handler. */
  get cancellable(): boolean {
    return this.#signal !== undefined || this.#handler?.cancellable === true;
  }

  /**
   * Why the caller cancelled the call, if it has: what `onCancel` would hand over. A calling handler
   * that nothing can cancel may still be aborted (its deadline, a server stop) without its calls
   * following it, and then its calls are not refused either: as before onCancel, they go out and
   * meet their own deadline.
   */
  get cancelReason(): unknown {
    const signal = this.#signal;
    if (signal !== undefined) return signal.aborted ? signal.reason : undefined;
    const handler = this.#handler;
    return handler?.cancellable === true ? handler.abortReason : undefined;
  }

  onCancel(cancelled: (reason: unknown) => void): () => void {
    const signal = this.#signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        cancelled(signal.reason);
        return noop;
      }
      const listener = () => cancelled(signal.reason);
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    }
    const handler = this.#handler;
    return handler?.cancellable === true ? handler.onAbort(cancelled) : noop;
  }

  get locals(): Record<string, unknown> {
    this.#locals ??= {};
    return this.#locals;
  }
}

function noop(): void {}
