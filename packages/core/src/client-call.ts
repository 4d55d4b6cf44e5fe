import type { Context, ServerCall } from './context.js';
import type { RpcRef } from './endpoint.js';
import type { OutboundCall, OutboundEvent, Transport } from './transport.js';

interface CallBase {
  readonly side: 'client';
  /** Outbound metadata; middleware may add keys (e.g. a new `traceparent`). */
  readonly metadata: Record<string, string>;
  /** Absolute deadline (epoch ms): the sooner of the caller's timeout and its own deadline. */
  deadline: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** The request being handled when a handler calls on; undefined for top-level calls. */
  readonly parent: Context | undefined;
  /** The name of the transport that sends it; set by the `resolve` middleware, with `via`. */
  transport: string | undefined;
  /** The transport that sends it; set by the `resolve` middleware. */
  via: Transport | undefined;
  /** Per-call state shared between client middleware. */
  readonly locals: Record<string, unknown>;
}

/** An outbound RPC as client middleware sees it. */
export interface RpcCall extends CallBase, Omit<OutboundCall, 'address' | 'deadline' | 'metadata'> {
  readonly kind: 'rpc';
  readonly ref: RpcRef;
  /** The called service (`ref.service`). */
  readonly service: string;
  /** The called method (`ref.name`). */
  readonly method: string;
  /** Where to send it; set by the `resolve` middleware (or the caller's `address` option). */
  address: string | undefined;
}

/** An outbound event as client middleware sees it. */
export interface EventCall extends CallBase, Omit<OutboundEvent, 'deadline' | 'metadata'> {
  readonly kind: 'event';
  /** The emitting service (`emitter`). */
  readonly service: string;
  /** The event's name (`name`). */
  readonly method: string;
}

/** What client middleware sees: an outbound RPC or event. */
export type ClientCall = RpcCall | EventCall;

/**
 * What every middleware sees, on either side: `side` tells which. Both sides share `kind`,
 * `service`, `method`, `transport`, `metadata`, `deadline` and `locals`, so a middleware that
 * needs only those (tracing, metrics, identity propagation) is written once as a
 * `CallMiddleware` and installed in both pipelines.
 */
export type Call = ServerCall | ClientCall;
