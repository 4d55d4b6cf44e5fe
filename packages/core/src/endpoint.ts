import type * as z from 'zod';
import type { Context } from './context.js';
import type { Schema } from './validation.js';

/**
 * How an RPC streams: `unary` (one message each way), `server` (one in, a stream out),
 * `client` (a stream in, one out) or `bidi` (streams both ways). Transports declare which they
 * carry; an endpoint a transport cannot carry answers UNIMPLEMENTED there.
 */
export type StreamKind = 'unary' | 'server' | 'client' | 'bidi';

/** All stream kinds, in declaration order. */
export const STREAM_KINDS: readonly StreamKind[] = ['unary', 'server', 'client', 'bidi'];

/**
 * Transport-specific options on an RPC (`http`, `grpc`, `amqp`, …). Empty in core: each transport
 * package adds its key by declaration merging, so options are type-checked once it is imported.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by transport packages through declaration merging.
export interface RpcTransportOptions {}

/** What `@Rpc(...)` and a contract method declare. */
export interface RpcOptions<I extends Schema = Schema, O extends Schema = Schema, S extends StreamKind = StreamKind>
  extends RpcTransportOptions {
  /** The input schema (the element schema for client and bidi streams). */
  readonly input: I;
  /** The output schema (the element schema for server and bidi streams). */
  readonly output: O;
  /** Defaults to `unary`. */
  readonly stream?: S;
  /** Defaults to the method's property name, or the contract key. */
  readonly name?: string;
  readonly description?: string;
  /** The timeout a caller gets when it sets none; the app's `defaultTimeoutMs` otherwise. */
  readonly timeoutMs?: number;
  /** Validate what the handler returns (overrides the app's `validateOutput`). */
  readonly validateOutput?: boolean;
  /**
   * Running it twice has the same effect as once (a read, a put by key). Retry middleware retries
   * only idempotent methods, or failures that never reached a handler. Default false.
   */
  readonly idempotent?: boolean;
}

/** What a caller needs to reach an RPC: its service, version, name and schemas; no handler. */
export interface RpcRef<I extends Schema = Schema, O extends Schema = Schema, S extends StreamKind = StreamKind>
  extends RpcOptions<I, O, S> {
  readonly service: string;
  readonly version: string;
  readonly major: number;
  readonly name: string;
  /** `<service>.<name>`, e.g. `greeter.greet`. */
  readonly fullName: string;
  readonly stream: S;
}

/** A handler for an RPC, typed from its schemas and stream kind. */
export type RpcHandler<I extends Schema, O extends Schema, S extends StreamKind = 'unary'> = [S] extends ['server']
  ? (input: z.output<I>, ctx: Context) => AsyncIterable<z.input<O>> | Promise<AsyncIterable<z.input<O>>>
  : [S] extends ['client']
    ? (input: AsyncIterable<z.output<I>>, ctx: Context) => Promise<z.input<O>>
    : [S] extends ['bidi']
      ? (input: AsyncIterable<z.output<I>>, ctx: Context) => AsyncIterable<z.input<O>>
      : (input: z.output<I>, ctx: Context) => Promise<z.input<O>> | z.input<O>;

/** A handler of any shape, as stored in an endpoint. */
export type AnyHandler = (input: never, ctx: Context) => unknown;

/** A served RPC: its reference plus the handler and where it was declared (for error messages). */
export interface RpcEndpoint<I extends Schema = Schema, O extends Schema = Schema, S extends StreamKind = StreamKind>
  extends RpcRef<I, O, S> {
  readonly kind: 'rpc';
  readonly handler: AnyHandler;
  /** Where it was declared, e.g. `Greeter.greet`; used in start-up errors and logs. */
  readonly source: string;
}

/** An event a contract declares: its name (an AMQP-style dotted topic) and payload schema. */
export interface EventRef<P extends Schema = Schema> {
  readonly name: string;
  readonly payload: P;
  readonly description?: string;
  /**
   * The payload field (dots for nested fields, e.g. `order.id`) whose value is the event's
   * partition key: a broker that partitions (Kafka) keeps the events of one key in order.
   */
  readonly key?: string;
}

/** What `@On(...)` declares besides the pattern. */
export interface OnOptions<P extends Schema = Schema> {
  readonly input: P;
  /** Defaults to the method's property name. */
  readonly name?: string;
  readonly description?: string;
}

/** A served event subscription. */
export interface EventEndpoint<P extends Schema = Schema> {
  readonly kind: 'event';
  readonly service: string;
  readonly version: string;
  readonly major: number;
  /** The handler's name, unique within the service, e.g. `onGreeted`. */
  readonly name: string;
  /** `<service>.<name>`. */
  readonly fullName: string;
  /** Topic pattern: dotted words, `*` for exactly one word, `#` for zero or more. */
  readonly pattern: string;
  readonly input: P;
  readonly description?: string;
  readonly handler: AnyHandler;
  readonly source: string;
}

/** Any served endpoint. */
export type Endpoint = RpcEndpoint | EventEndpoint;

/** A service, normalised from a decorated class or from `defineService`/`implement`. */
export interface ServiceDefinition {
  readonly name: string;
  readonly version: string;
  readonly major: number;
  readonly description?: string;
  readonly rpcs: readonly RpcEndpoint[];
  readonly events: readonly EventEndpoint[];
  /** Where it was declared, e.g. the class name. */
  readonly source: string;
}

/** True for a stream kind whose input is a stream. */
export function hasInputStream(kind: StreamKind): boolean {
  return kind === 'client' || kind === 'bidi';
}

/** True for a stream kind whose output is a stream. */
export function hasOutputStream(kind: StreamKind): boolean {
  return kind === 'server' || kind === 'bidi';
}

/** What a handler of `R` receives: the parsed input (defaults applied). */
export type InputOf<R extends RpcOptions> = z.output<R['input']>;

/** What a handler of `R` returns: the output before parsing (defaults may be omitted). */
export type OutputOf<R extends RpcOptions> = z.input<R['output']>;

/** What an event handler receives: the parsed payload. */
export type PayloadOf<E extends EventRef> = z.output<E['payload']>;
