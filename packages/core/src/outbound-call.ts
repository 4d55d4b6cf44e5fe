import type { RpcCall } from './client-call.js';
import type { Context } from './context.js';
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
  readonly signal: AbortSignal | undefined;
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
    parent: Context | undefined,
    address: string | undefined,
  ) {
    this.ref = ref;
    this.input = input;
    this.metadata = metadata;
    this.signal = signal;
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

  get locals(): Record<string, unknown> {
    this.#locals ??= {};
    return this.#locals;
  }
}
