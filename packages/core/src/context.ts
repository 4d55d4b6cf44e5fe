import type { Logger } from 'pino';
import type { Listed } from './call-list.js';
import type { Caller, CallInput, CallOptions, CallResult, Client, EmitOptions } from './caller.js';
import type { MethodsOf } from './contract.js';
import type { Endpoint, EventRef, RpcRef } from './endpoint.js';
import { WharfError } from './errors.js';
import type { EventInfo, InboundRequest, ResponseChannel } from './inbound.js';
import { deadlineAfter, type Epoch } from './lazy-deadline.js';
import type { Metadata } from './metadata.js';
import { stoppedCallError } from './stopped-call.js';
import type { Abortable } from './stream.js';

/** What a handler gets as `ctx`: the request's metadata, deadline, logger, and a way to call on. */
export interface Context extends Caller {
  /** The service handling the request, e.g. `greeter`. */
  readonly service: string;
  /** The handler's name, e.g. `greet`. */
  readonly method: string;
  /** The transport the request arrived on: `http`, `grpc`, `amqp`, `memory`, … */
  readonly transport: string;
  readonly requestId: string;
  /** Inbound metadata: lower-case keys (request id, `traceparent`, `authorization`, other headers). */
  readonly metadata: Metadata;
  /** Absolute deadline (epoch ms), or undefined when the caller set none. */
  readonly deadline: number | undefined;
  /** Milliseconds left before the deadline; Infinity without one. */
  remainingMs(): number;
  /** Aborts when the deadline passes, the caller cancels, or the server stops; `reason` is a WharfError. */
  readonly signal: AbortSignal;
  /** A pino logger bound to this request (request id, service, method). */
  readonly log: Logger;
  /** Per-request state shared between middleware and the handler (e.g. the authenticated identity). */
  readonly locals: Record<string, unknown>;
  /** Response headers and trailers. */
  readonly response: ResponseChannel;
  /** Set when handling an event: its id, name, emitter and delivery attempt. */
  readonly event: EventInfo | undefined;
}

/** The context server middleware sees: a handler's context, plus the endpoint and its input. */
export interface ServerCall extends Context, Abortable {
  /** Which pipeline: always `server` here (client middleware sees `client`). */
  readonly side: 'server';
  /** `rpc` or `event`: the endpoint's kind. */
  readonly kind: 'rpc' | 'event';
  readonly endpoint: Endpoint;
  /** The payload; validation replaces it with the parsed value. */
  input: unknown;
  /** The app's root logger (cheap level checks without creating a child). */
  readonly appLogger: Logger;
  /** Set once the call has been aborted. */
  readonly abortReason: WharfError | undefined;
  /** Aborts the call: fires `signal` and fails the pipeline with `reason`. */
  abort(reason: WharfError): void;
  /**
   * Adds fields to every line `log` writes for this request from now on (a trace id, a tenant);
   * a field bound again takes its new value. The request's id, service and method cannot be
   * replaced. Cheap until something logs: the request's pino child is made when `log` is read.
   */
  bindLog(fields: Record<string, unknown>): void;
}

/** What a server call needs from the app: the root logger and the outbound halves. */
export interface Runtime {
  readonly logger: Logger;
  call(ref: RpcRef, input: unknown, options: CallOptions | undefined, parent: ServerCallImpl | undefined): unknown;
  emit(
    event: EventRef | string,
    payload: unknown,
    options: EmitOptions | undefined,
    parent: ServerCallImpl | undefined,
  ): Promise<void>;
}

const NO_RESPONSE: ResponseChannel = Object.freeze({
  header() {},
  trailer() {},
  flushHeaders() {},
});

/**
 * The one object per served request. Costly parts (AbortController ~1.5 µs, a pino child ~1 µs)
 * are created only when a handler or middleware reads `signal` or `log`.
 */
export class ServerCallImpl implements ServerCall, Listed<ServerCallImpl> {
  listPrev: ServerCallImpl | undefined = undefined;
  listNext: ServerCallImpl | undefined = undefined;
  listed = false;
  readonly endpoint: Endpoint;
  input: unknown;
  readonly transport: string;
  readonly requestId: string;
  readonly metadata: Metadata;
  readonly response: ResponseChannel;
  readonly event: EventInfo | undefined;
  readonly #runtime: Runtime;
  #transportSignal: AbortSignal | undefined;
  #controller: AbortController | undefined;
  #reason: WharfError | undefined;
  // Almost every call has at most one abort listener (the deadline middleware): a single slot
  // avoids allocating a Set per request; further listeners go to the array.
  #listener: ((reason: Error) => void) | undefined;
  #moreListeners: ((reason: Error) => void)[] | undefined;
  #log: Logger | undefined;
  #logFields: Record<string, unknown> | undefined;
  #locals: Record<string, unknown> | undefined;
  #clients: Map<MethodsOf, unknown> | undefined;
  #unlink: (() => void) | undefined;
  #cancellable = false;
  // The caller's promise, when the call can end before its handler does (see Dispatcher): an
  // abort rejects it at once, with the reason mapped as the caller's transport maps errors.
  #reject: ((reason: unknown) => void) | undefined;
  #mapError: ((reason: unknown) => unknown) | undefined;
  #deadline: number | undefined;
  // While set, the deadline is pending (see lazy-deadline.ts): `#pendingMs` (> 0) from this epoch's end.
  #epoch: Epoch | undefined;
  readonly #pendingMs: number;

  /** `request` is the transport's inbound request; absent for a call from this process (the in-memory transport). */
  constructor(
    runtime: Runtime,
    endpoint: Endpoint,
    payload: unknown,
    metadata: Metadata,
    requestId: string,
    deadline: number | undefined,
    epoch: Epoch | undefined,
    pendingMs: number,
    request: InboundRequest | undefined,
  ) {
    this.#runtime = runtime;
    this.endpoint = endpoint;
    this.input = payload;
    this.transport = request === undefined ? 'memory' : request.transport;
    this.requestId = requestId;
    this.metadata = metadata;
    this.#deadline = deadline;
    this.#epoch = epoch;
    this.#pendingMs = pendingMs;
    this.response = request?.response ?? NO_RESPONSE;
    this.event = request?.event;
  }

  get deadline(): number | undefined {
    const epoch = this.#epoch;
    if (epoch !== undefined) {
      this.#deadline = deadlineAfter(epoch, this.#pendingMs);
      this.#epoch = undefined;
    }
    return this.#deadline;
  }

  /** @internal Whether the call has a deadline, pending or not (reading this fixes nothing). */
  get bounded(): boolean {
    return this.#deadline !== undefined || this.#epoch !== undefined;
  }

  /** @internal The deadline unless it is pending (reading this fixes nothing). */
  get fixedDeadline(): number | undefined {
    return this.#deadline;
  }

  /** Follows the caller's cancellation, given as a signal or as a transport's `onCancel`. */
  follow(signal: AbortSignal | undefined, onCancel: InboundRequest['onCancel']): void {
    this.#transportSignal = signal;
    if (signal !== undefined) {
      // DEADLINE_EXCEEDED when the caller's signal fired for a deadline (an in-process caller's ctx.signal).
      const cancelled = () => this.abort(stoppedCallError(signal.reason, undefined, `${this.service}.${this.method}`));
      if (signal.aborted) cancelled();
      else {
        signal.addEventListener('abort', cancelled, { once: true });
        this.#unlink = () => signal.removeEventListener('abort', cancelled);
      }
    } else if (onCancel !== undefined) {
      this.#cancellable = true;
      this.#unlink = onCancel((reason) =>
        this.abort(
          reason === undefined
            ? new WharfError('CANCELLED', 'The caller cancelled the call')
            : stoppedCallError(reason, undefined, `${this.service}.${this.method}`),
        ),
      );
    }
  }

  get side(): 'server' {
    return 'server';
  }

  // Derived rather than stored: fewer fields to fill on every request.
  get service(): string {
    return this.endpoint.service;
  }

  get method(): string {
    return this.endpoint.name;
  }

  get kind(): 'rpc' | 'event' {
    return this.endpoint.kind;
  }

  get appLogger(): Logger {
    return this.#runtime.logger;
  }

  get log(): Logger {
    this.#log ??= this.#runtime.logger.child(
      this.#logFields === undefined
        ? { requestId: this.requestId, service: this.service, method: this.method }
        : // Core's own fields last: a binding cannot replace the request's id, service or method.
          { ...this.#logFields, requestId: this.requestId, service: this.service, method: this.method },
    );
    return this.#log;
  }

  bindLog(fields: Record<string, unknown>): void {
    this.#logFields = this.#logFields === undefined ? fields : { ...this.#logFields, ...fields };
    // A child of the existing child would repeat a key bound twice on every line (pino appends
    // bindings): the request's logger is made again from the app's, with every field once.
    if (this.#log !== undefined) this.#log = undefined;
  }

  get locals(): Record<string, unknown> {
    this.#locals ??= {};
    return this.#locals;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get abortReason(): WharfError | undefined {
    return this.#reason;
  }

  /**
   * The signal to hand to downstream calls: the existing one, or one created now only if this call
   * can be cancelled at all (so a caller going away cancels what its handler started).
   */
  cancellation(): AbortSignal | undefined {
    return this.#controller?.signal ?? this.#transportSignal ?? (this.#cancellable ? this.signal : undefined);
  }

  /** @internal Whether `cancellation()` gives a signal: what decides if downstream calls follow this one. */
  get cancellable(): boolean {
    return this.#controller !== undefined || this.#transportSignal !== undefined || this.#cancellable;
  }

  remainingMs(): number {
    const at = this.deadline;
    return at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, at - Date.now());
  }

  /** @internal Has an abort reject the caller's promise with the reason (mapped by `mapError`). */
  answer(reject: (reason: unknown) => void, mapError: ((reason: unknown) => unknown) | undefined): void {
    this.#reject = reject;
    this.#mapError = mapError;
  }

  abort(reason: WharfError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const reject = this.#reject;
    if (reject !== undefined) reject(this.#mapError === undefined ? reason : this.#mapError(reason));
    this.#controller?.abort(reason);
    const first = this.#listener;
    const more = this.#moreListeners;
    this.#listener = undefined;
    this.#moreListeners = undefined;
    first?.(reason);
    if (more !== undefined) for (const listener of more) listener(reason);
  }

  onAbort(listener: (reason: Error) => void): () => void {
    if (this.#reason !== undefined) {
      listener(this.#reason);
      return noop;
    }
    if (this.#listener === undefined) {
      this.#listener = listener;
      return () => {
        if (this.#listener === listener) this.#listener = undefined;
      };
    }
    this.#moreListeners ??= [];
    this.#moreListeners.push(listener);
    return () => {
      const index = this.#moreListeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.#moreListeners?.splice(index, 1);
    };
  }

  /** Releases what the call holds on the transport's signal; called when the call ends. */
  release(): void {
    this.#unlink?.();
  }

  call<R extends RpcRef>(ref: R, input: CallInput<R>, options?: CallOptions): CallResult<R> {
    return this.#runtime.call(ref, input, options, this) as CallResult<R>;
  }

  client<C extends MethodsOf>(contract: C): Client<C> {
    this.#clients ??= new Map();
    let client = this.#clients.get(contract);
    if (client === undefined) {
      client = bindClient(contract, this.#runtime, this);
      this.#clients.set(contract, client);
    }
    return client as Client<C>;
  }

  emit(event: EventRef | string, payload: unknown, options?: EmitOptions): Promise<void> {
    return this.#runtime.emit(event, payload, options, this);
  }
}

function noop(): void {}

/** Builds a typed client whose methods call through `runtime`, on behalf of `parent` when set. */
export function bindClient<C extends MethodsOf>(contract: C, runtime: Runtime, parent: ServerCallImpl | undefined): Client<C> {
  const client: Record<string, unknown> = {};
  for (const [key, ref] of Object.entries(contract.methods)) {
    client[key] = (input: unknown, options?: CallOptions) => runtime.call(ref, input, options, parent);
  }
  return Object.freeze(client) as Client<C>;
}
