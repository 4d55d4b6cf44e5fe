import type { Context } from './context.js';
import type { RpcRef } from './endpoint.js';
import type { OutboundCall, OutboundEvent, Transport } from './transport.js';

interface CallBase {
  /** Outbound metadata; middleware may add keys (e.g. a new `traceparent`). */
  readonly metadata: Record<string, string>;
  /** Absolute deadline (epoch ms): the sooner of the caller's timeout and its own deadline. */
  deadline: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** The request being handled when a handler calls on; undefined for top-level calls. */
  readonly parent: Context | undefined;
  /** The transport to send with; set by the `resolve` middleware. */
  transport: Transport | undefined;
  /** Per-call state shared between client middleware. */
  readonly locals: Record<string, unknown>;
}

/** An outbound RPC as client middleware sees it. */
export interface RpcCall extends CallBase, Omit<OutboundCall, 'address' | 'deadline' | 'metadata'> {
  readonly kind: 'rpc';
  readonly ref: RpcRef;
  /** Where to send it; set by the `resolve` middleware (or the caller's `address` option). */
  address: string | undefined;
}

/** An outbound event as client middleware sees it. */
export interface EventCall extends CallBase, Omit<OutboundEvent, 'deadline' | 'metadata'> {
  readonly kind: 'event';
}

/** What client middleware sees: an outbound RPC or event. */
export type ClientCall = RpcCall | EventCall;
