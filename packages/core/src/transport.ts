import type { Logger } from 'pino';
import type { Context } from './context.js';
import type { Endpoint, EventEndpoint, RpcEndpoint, RpcRef, ServiceDefinition, StreamKind } from './endpoint.js';
import type { ErrorCode } from './errors.js';
import type { EventInfo, InboundRequest, ResponseChannel } from './inbound.js';

export type { EventInfo, InboundRequest, ResponseChannel };

import type { RegistryStatus } from './registry.js';

/** An app's lifecycle: created → starting → ready → draining → stopped. */
export type AppState = 'created' | 'starting' | 'ready' | 'draining' | 'stopped';

/** Readiness details, as a health endpoint shows them. */
export interface AppHealth {
  readonly ready: boolean;
  readonly state: AppState;
  /** Why the app is not ready, by transport. */
  readonly holds: Readonly<Record<string, string>>;
  /** The registry's status, when it reports one (an unreachable registry is served from cache). */
  readonly registry?: RegistryStatus;
}

/**
 * What the app gives a server transport when it starts listening: its endpoints and one function
 * to run them. The app's name, instance id and logger came earlier, with `attach`.
 */
export interface TransportHost {
  readonly services: readonly ServiceDefinition[];
  readonly rpcs: readonly RpcEndpoint[];
  /** Event subscriptions to consume; empty unless this transport is the app's event bus. */
  readonly subscriptions: readonly EventEndpoint[];
  /**
   * Runs an endpoint through the server pipeline. Resolves with the output (an AsyncIterable for
   * server and bidi streams) or rejects with a WharfError; never with anything else.
   */
  dispatch(endpoint: Endpoint, payload: unknown, request: InboundRequest): Promise<unknown>;
  /** The app's lifecycle state; `draining` means: finish in-flight work, refuse new work. */
  readonly state: AppState;
  /** True when the app is started, not draining, and every transport reports ready. */
  isReady(): boolean;
  onReadinessChange(listener: (ready: boolean) => void): () => void;
  /** This transport's own readiness (e.g. "every consumer attached"); the app is ready only when all are. */
  setReady(ready: boolean, reason?: string): void;
  /**
   * Resolves when no request is in flight anywhere in the app (or when `signal` aborts). An event
   * bus awaits it in `close` before closing its publisher, so handlers still draining on other
   * transports can emit.
   */
  idle(signal?: AbortSignal): Promise<void>;
  /** Readiness with its reasons, for a health endpoint to show (optional for hosts built by hand). */
  health?(): AppHealth;
}

/**
 * What every transport of an app learns when the app is created (`attach`), before it listens or
 * calls: the app's name, its instance id (unique per running app; part of every address it
 * registers) and a logger.
 */
export interface TransportContext {
  readonly appName: string;
  readonly instanceId: string;
  /** A pino logger tagged with the transport's name. */
  readonly logger: Logger;
  /** Where to report what no middleware sees (refusals, retries, dead letters); every hook is safe to call. */
  readonly observer: Required<TransportObserver>;
}

/** One event delivery a transport reports to its observer: the subscribing endpoint and the attempt. */
export interface EventDelivery {
  readonly transport: string;
  /** The subscriber it was delivered to (its service and handler name label metrics, never the routing key). */
  readonly endpoint: EventEndpoint;
  /** 1 on first delivery, 2, 3, … on retries. */
  readonly attempt: number;
}

/**
 * What happens inside a transport, below the pipelines, reported for metrics: requests refused
 * before they reached `dispatch`, and what the event bus did with each delivery. Given to
 * `createApp({ observers })`; every hook is optional, called synchronously, and must not throw.
 */
export interface TransportObserver {
  /** A request refused before dispatch: no route, a body too large or malformed, the server draining. */
  requestRefused?(transport: string, code: ErrorCode): void;
  /** An event delivery taken from the broker, before deduplication. */
  eventReceived?(delivery: EventDelivery): void;
  /** A delivery skipped because its id was seen already. */
  eventDuplicate?(delivery: EventDelivery): void;
  /** A failed delivery scheduled for another attempt. */
  eventRetried?(delivery: EventDelivery): void;
  /** A delivery moved to the dead-letter queue. */
  eventDeadLettered?(delivery: EventDelivery): void;
  /** A lost connection (to a broker, a peer) re-established. */
  reconnected?(transport: string): void;
}

/** One outbound RPC, as the client pipeline hands it to a transport. */
export interface OutboundCall {
  readonly ref: RpcRef;
  /** Where to send it, e.g. `http://127.0.0.1:3000`; its scheme named this transport. */
  readonly address: string;
  /** The input (an AsyncIterable for client and bidi streams). */
  readonly input: unknown;
  readonly metadata: Readonly<Record<string, string>>;
  readonly deadline: number | undefined;
  /** The caller's cancellation; reading it may create an AbortSignal (prefer `onCancel`). */
  readonly signal: AbortSignal | undefined;
  /** The request being handled when a handler calls on; undefined for a top-level call. */
  readonly parent: Context | undefined;
  /**
   * Runs `cancelled` once, with the reason, when the caller cancels the call (at once if it already
   * has); returns the unsubscribe, to call when the call ends. Unlike reading `signal`, it creates
   * no AbortSignal for a call a handler made: ~4 µs of CPU per call on Node 20.
   */
  onCancel(cancelled: (reason: unknown) => void): () => void;
}

/** One outbound event. */
export interface OutboundEvent {
  readonly name: string;
  readonly payload: unknown;
  readonly id: string;
  /** The partition key (events of one key stay in order on a partitioning bus), if any. */
  readonly key?: string;
  readonly timestamp: number;
  readonly emitter: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly deadline: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly parent: Context | undefined;
}

/**
 * A transport: any of a server half (`listen`/`close`), a client half (`call`) and an event bus
 * (`publish`, with subscriptions consumed in `listen`). See docs/writing-a-transport.md.
 */
export interface Transport {
  /** Short name; also the URL scheme of the addresses it serves and calls (`http`, `grpc`). */
  readonly name: string;
  /** Stream kinds it carries; defaults to unary only. Others answer UNIMPLEMENTED there. */
  readonly streams?: readonly StreamKind[];
  /** Called once by `createApp`, before anything else: the app's name, instance id and a logger. */
  attach?(context: TransportContext): void;
  /**
   * Starts serving `host`'s endpoints (and consuming its subscriptions, for the event bus).
   * Resolves with the addresses to register, e.g. `['http://127.0.0.1:3000']`.
   */
  listen?(host: TransportHost): Promise<readonly string[] | undefined>;
  /**
   * Whether an address of this transport's scheme can be reached from here; assumed true when
   * absent. The in-memory transport answers false for another process's or network's instances.
   */
  reaches?(address: string): boolean;
  /** Sends one RPC; resolves with the output or rejects with a WharfError. */
  call?(call: OutboundCall): Promise<unknown>;
  /** Publishes one event; resolves once it is durable (broker-confirmed). */
  publish?(event: OutboundEvent): Promise<void>;
  /**
   * Stops taking new work, lets in-flight work finish, then releases everything (client half
   * included). When `signal` aborts, the drain time is over: close at once.
   */
  close?(signal: AbortSignal): Promise<void>;
}

/** True when `transport` can carry `kind`. */
export function carriesStream(transport: Transport, kind: StreamKind): boolean {
  return kind === 'unary' || (transport.streams?.includes(kind) ?? false);
}
