import type * as z from 'zod';
import type { MethodsOf } from './contract.js';
import type { EventRef, RpcRef, StreamKind } from './endpoint.js';
import type { Metadata } from './metadata.js';
import type { Schema } from './validation.js';

/** Per-call options. */
export interface CallOptions {
  /** Time allowed for this call; the caller's own deadline still applies when it is sooner. */
  readonly timeoutMs?: number;
  /** An absolute deadline (epoch ms). */
  readonly deadline?: number;
  /** Aborting it cancels the call; the caller gets CANCELLED. */
  readonly signal?: AbortSignal;
  /** Extra metadata for this call; it wins over propagated keys. */
  readonly metadata?: Metadata;
  /** Send to this address (`http://127.0.0.1:3000`) instead of asking the registry. */
  readonly address?: string;
}

/** Per-emit options. */
export interface EmitOptions {
  /** How long to wait for the broker's confirmation; the caller's deadline still applies. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly metadata?: Metadata;
  /** The event's id (for deduplication); a random UUID by default. */
  readonly id?: string;
  /** The partition key; default the value of the payload field the event declares as its `key`. */
  readonly key?: string;
}

/** What a caller passes for an RPC: the input, or a stream of inputs for client and bidi streams. */
export type CallInput<R> =
  R extends RpcRef<infer I, Schema, infer S>
    ? [S] extends ['client'] | ['bidi']
      ? AsyncIterable<z.input<I>> | Iterable<z.input<I>>
      : z.input<I>
    : never;

/** What a caller gets back: a promise of the output, or a stream for server and bidi streams. */
export type CallResult<R> =
  R extends RpcRef<Schema, infer O, infer S>
    ? [S] extends ['server'] | ['bidi']
      ? AsyncIterable<z.output<O>>
      : Promise<z.output<O>>
    : never;

/** One method of a typed client. */
export type ClientMethod<R> = (input: CallInput<R>, options?: CallOptions) => CallResult<R>;

/** A typed client for a contract: one method per RPC, types checked by the compiler. */
export type Client<C extends MethodsOf> = { readonly [K in keyof C['methods']]: ClientMethod<C['methods'][K]> };

/** What can call other services and emit events: a handler's `ctx`, and the app itself. */
export interface Caller {
  /** Calls one RPC through the client pipeline; the transport is chosen from the registry. */
  call<R extends RpcRef<Schema, Schema, StreamKind>>(ref: R, input: CallInput<R>, options?: CallOptions): CallResult<R>;
  /** A typed client for a contract. */
  client<C extends MethodsOf>(contract: C): Client<C>;
  /** Publishes an event by name, unchecked; resolves once the event bus has accepted it. */
  emit(event: string, payload: unknown, options?: EmitOptions): Promise<void>;
  /** Publishes a contract's event, payload checked against its schema; resolves once the bus accepted it (broker-confirmed on AMQP). */
  emit<P extends Schema>(event: EventRef<P>, payload: z.input<P>, options?: EmitOptions): Promise<void>;
}
