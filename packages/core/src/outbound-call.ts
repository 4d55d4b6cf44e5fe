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
  readonly side = 'client';
  readonly kind = 'rpc';
  readonly ref: RpcRef;
  readonly service: string;
  readonly method: string;
  readonly input: unknown;
  readonly metadata: Record<string, string>;
  readonly signal: AbortSignal | undefined;
  readonly parent: Context | undefined;
  address: string | undefined;
  transport: string | undefined = undefined;
  via: Transport | undefined = undefined;
  /** @internal The clock reading the deadline was computed from; NaN while pending or when none was read. */
  clock: number;
  #deadline: number | undefined;
  // While set, the deadline is pending: `#pendingMs` from the end of this epoch.
  #epoch: Epoch | undefined;
  #pendingMs: number;
  #locals: Record<string, unknown> | undefined = undefined;

  /**
   * `deadline` is the call's deadline, computed from the clock reading `clock` (NaN if none was
   * needed); or, when `pendingMs` is a number, the deadline is pending and `deadline` is ignored.
   */
  constructor(
    ref: RpcRef,
    input: unknown,
    metadata: Record<string, string>,
    deadline: number | undefined,
    clock: number,
    pendingMs: number,
    signal: AbortSignal | undefined,
    parent: Context | undefined,
    address: string | undefined,
  ) {
    this.ref = ref;
    this.service = ref.service;
    this.method = ref.name;
    this.input = input;
    this.metadata = metadata;
    this.signal = signal;
    this.parent = parent;
    this.address = address;
    this.#deadline = deadline;
    this.clock = clock;
    this.#pendingMs = pendingMs;
    // biome-ignore lint/suspicious/noSelfCompare: NaN is the only value that differs from itself.
    this.#epoch = pendingMs === pendingMs ? epochNow() : undefined;
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
