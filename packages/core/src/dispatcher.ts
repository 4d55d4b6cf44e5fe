import { CallList } from './call-list.js';
import { type Runtime, ServerCallImpl } from './context.js';
import { copyOutput } from './copy.js';
import type { Endpoint, ServiceDefinition } from './endpoint.js';
import { throughWire, WharfError } from './errors.js';
import { IdleGate, MAX_TIMER_MS } from './idle-gate.js';
import { type Epoch, type EpochWatcher, ended, watchEpoch } from './lazy-deadline.js';
import { acceptRequestId, MetadataKey, newRequestId } from './metadata.js';
import { issuedClock } from './outbound.js';
import { OutboundRpc } from './outbound-call.js';
import { type ServerMiddlewareEntry, settled } from './pipeline.js';
import { capture, captured, expired, expiredBefore, type Route, routeFor, stopped } from './route.js';
import { wrapStream } from './stream.js';
import type { InboundRequest, OutboundCall, TransportHost } from './transport.js';

export type { Route } from './route.js';

/**
 * @internal The key under which an app's transport host carries its dispatcher, for the in-memory
 * transport of the same process; not part of the transport SPI.
 */
export const LOCAL: unique symbol = Symbol('wharf.local');

/** @internal A transport host that may carry its app's dispatcher. */
export interface LocalHost extends TransportHost {
  readonly [LOCAL]?: Dispatcher;
}

/**
 * Runs endpoints through the server pipeline: composed once per endpoint at start-up, one
 * ServerCall per request, every failure turned into a WharfError, in-flight work tracked for
 * graceful shutdown.
 *
 * Deadlines and cancellation are enforced here rather than by a removable middleware, so every
 * request is bounded: an expired request is refused without running anything; when the deadline
 * passes or the caller cancels, `ctx.signal` fires and the caller is answered at once, even if the
 * handler ignores the signal (the handler still counts as in flight until it returns). A server
 * stream is bounded by the deadline as a whole.
 *
 * Deadlines need no timer per request (setTimeout + clearTimeout cost ~230 ns here, more than the
 * rest of an in-process call): one sweep timer is set for the earliest deadline in flight, and a
 * sweep aborts what expired and re-arms for the next earliest. A request only re-arms the timer
 * when its deadline is earlier than the one armed.
 */
export class Dispatcher implements EpochWatcher {
  readonly #runtime: Runtime;
  readonly #routes = new Map<Endpoint, Route>();
  readonly #inFlight = new CallList<ServerCallImpl>();
  readonly #gate = new IdleGate();
  #closed = false;
  #sweepAt = Number.POSITIVE_INFINITY;
  #sweepTimer: NodeJS.Timeout | undefined;
  // The current epoch, once a call with a deadline pending in it was admitted, and the soonest
  // timeout among those calls (see lazy-deadline.ts).
  #watching: Epoch | undefined;
  #soonestPendingMs = Number.POSITIVE_INFINITY;

  constructor(runtime: Runtime, services: readonly ServiceDefinition[], middleware: readonly ServerMiddlewareEntry[]) {
    this.#runtime = runtime;
    for (const service of services) {
      for (const endpoint of [...service.rpcs, ...service.events]) {
        this.#routes.set(endpoint, routeFor(endpoint, middleware));
      }
    }
  }

  /** Requests currently being handled (a server stream counts until it ends). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** @internal The route of an endpoint this app serves. */
  route(endpoint: Endpoint): Route | undefined {
    return this.#routes.get(endpoint);
  }

  readonly dispatch = (endpoint: Endpoint, payload: unknown, request: InboundRequest): Promise<unknown> => {
    const route = this.#routes.get(endpoint);
    if (route === undefined) {
      return Promise.reject(new WharfError('UNIMPLEMENTED', `${endpoint.fullName} is not served by this app`));
    }
    if (this.#closed) return Promise.reject(stopped());
    // Refused before a call object exists: it would subscribe to the caller's cancellation.
    if (request.deadline !== undefined && request.deadline <= Date.now()) return Promise.reject(expiredBefore(endpoint));
    const requestId = request.requestId ?? acceptRequestId(request.metadata[MetadataKey.requestId]);
    const { metadata, deadline } = request;
    const call = new ServerCallImpl(this.#runtime, endpoint, payload, metadata, requestId, deadline, undefined, 0, request);
    return this.#start(route, call, request.signal, request.onCancel);
  };

  /**
   * @internal Runs a unary call from a client pipeline of this process, as `dispatch` would for
   * the in-memory transport's request, and answers with a copy of the output or the error rebuilt
   * from its wire form in the same step that ends the call (a promise hop fewer than a `.then` in
   * the transport).
   */
  local(endpoint: Endpoint, route: Route, input: unknown, call: OutboundCall): Promise<unknown> {
    if (this.#closed) return Promise.reject(throughWire(stopped()));
    const outbound = call instanceof OutboundRpc ? call : undefined;
    let epoch = outbound?.epoch;
    let deadline: number | undefined;
    let pendingMs = 0;
    // One that has ended (the call waited in client middleware) is known: check it as any other.
    if (epoch !== undefined && ended(epoch)) epoch = undefined;
    if (epoch !== undefined) {
      // A deadline pending in the current epoch is a positive timeout from a moment not yet past:
      // it cannot have expired. It stays pending here too, fixed when the caller's is.
      pendingMs = (outbound as OutboundRpc).pendingMs;
      if (this.#watching !== epoch) {
        this.#watching = epoch;
        this.#soonestPendingMs = pendingMs;
        watchEpoch(this);
      } else if (pendingMs < this.#soonestPendingMs) this.#soonestPendingMs = pendingMs;
    } else {
      deadline = call.deadline;
      const clock = outbound === undefined ? undefined : issuedClock(outbound);
      if (deadline !== undefined && deadline <= (clock ?? Date.now())) {
        return Promise.reject(throughWire(expiredBefore(endpoint)));
      }
    }
    const metadata = call.metadata;
    // Set by the caller's own process (generated, or given by its code): nothing to sanitise.
    const requestId = metadata[MetadataKey.requestId] ?? newRequestId();
    const server = new ServerCallImpl(this.#runtime, endpoint, input, metadata, requestId, deadline, epoch, pendingMs, undefined);
    // Cancellation follows the caller's without an AbortSignal where core made the call.
    if (outbound === undefined) return this.#startLocal(route, server, call.signal, undefined);
    return this.#startLocal(route, server, undefined, outbound.cancellable ? (cancel) => outbound.onCancel(cancel) : undefined);
  }

  /**
   * @internal The epoch of pending deadlines admitted since `watchEpoch` ended: the soonest of
   * them is due `#soonestPendingMs` after `end`, and the sweep must not miss it.
   */
  epochEnded(end: number): void {
    this.#watching = undefined;
    const at = end + this.#soonestPendingMs;
    if (at < this.#sweepAt && !this.#closed) this.#armSweep(at);
  }

  #start(
    route: Route,
    call: ServerCallImpl,
    signal: AbortSignal | undefined,
    onCancel: InboundRequest['onCancel'],
  ): Promise<unknown> {
    call.follow(signal, onCancel);
    if (call.abortReason !== undefined) {
      // The caller went away before we began: answer, and run nothing on its behalf.
      call.release();
      return Promise.reject(call.abortReason);
    }
    this.#admit(call);
    // Nothing can abort the call early: no deadline, no caller cancellation. Skip the race.
    if (!call.bounded && signal === undefined && onCancel === undefined) {
      return settled(route.top, call).then(
        (result) => this.#done(route, call, result),
        (cause: unknown) => {
          throw this.#failed(call, cause);
        },
      );
    }
    // The caller's promise, settled by whichever comes first: the pipeline, or an abort.
    const answer = new Promise(capture);
    const resolve = captured.resolve;
    const reject = captured.reject;
    call.answer(reject, undefined);
    settled(route.top, call).then(
      (result) => resolve(this.#done(route, call, result)),
      (cause: unknown) => reject(this.#failed(call, cause)),
    );
    return answer;
  }

  // `#start` for `local`, apart so that each keeps its calls monomorphic: unary only, answers
  // mapped as they cross back to the caller.
  #startLocal(
    route: Route,
    call: ServerCallImpl,
    signal: AbortSignal | undefined,
    onCancel: InboundRequest['onCancel'],
  ): Promise<unknown> {
    call.follow(signal, onCancel);
    if (call.abortReason !== undefined) {
      call.release();
      return Promise.reject(throughWire(call.abortReason));
    }
    this.#admit(call);
    if (!call.bounded && signal === undefined && onCancel === undefined) {
      return settled(route.top, call).then(
        (result) => copyOutput(this.#finish(call, result)),
        (cause: unknown) => {
          throw throughWire(this.#failed(call, cause));
        },
      );
    }
    const answer = new Promise(capture);
    const resolve = captured.resolve;
    const reject = captured.reject;
    call.answer(reject, throughWire);
    settled(route.top, call).then(
      (result) => {
        try {
          resolve(copyOutput(this.#finish(call, result)));
        } catch (cause) {
          reject(cause);
        }
      },
      (cause: unknown) => reject(throughWire(this.#failed(call, cause))),
    );
    return answer;
  }

  // A pending deadline arms the sweep when its epoch ends (epochEnded).
  #admit(call: ServerCallImpl): void {
    this.#inFlight.add(call);
    this.#gate.enter();
    const at = call.fixedDeadline;
    if (at !== undefined && at < this.#sweepAt) this.#armSweep(at);
  }

  #done(route: Route, call: ServerCallImpl, result: unknown): unknown {
    return route.streams ? this.#stream(call, result) : this.#finish(call, result);
  }

  #failed(call: ServerCallImpl, cause: unknown): WharfError {
    this.#finish(call, undefined);
    return this.#normalise(call, cause);
  }

  #armSweep(at: number): void {
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    this.#sweepAt = at;
    // Node fires a delay above 2^31-1 ms after 1 ms instead; a far deadline re-arms when the
    // capped timer fires, since the sweep re-arms for whatever is still pending.
    this.#sweepTimer = setTimeout(this.#sweep, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    this.#sweepTimer.unref();
  }

  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const call of this.#inFlight.items()) {
      const at = call.deadline;
      if (at === undefined || call.abortReason !== undefined) continue;
      if (at <= now) call.abort(expired(call));
      else if (at < next) next = at;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(next);
  };

  /** Resolves when nothing is in flight, or when `signal` aborts. */
  idle(signal?: AbortSignal): Promise<void> {
    return this.#gate.idle(signal);
  }

  /** Refuses new requests and aborts those still running (the drain time is over). */
  close(reason: WharfError): void {
    this.#closed = true;
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    for (const call of this.#inFlight.items()) call.abort(reason);
  }

  #stream(call: ServerCallImpl, result: unknown): unknown {
    if (result === null || typeof result !== 'object') return this.#finish(call, result);
    const source = result as AsyncIterable<unknown> & Partial<AsyncIterator<unknown>>;
    if (call.abortReason !== undefined) {
      // Aborted while the handler was still producing its stream: the caller has its answer, and
      // nobody will read this stream; end it so its `finally` runs, and stop counting it.
      source.return?.()?.catch(() => {});
      return this.#finish(call, undefined);
    }
    const stream = wrapStream(source, {
      abortable: call,
      done: () => this.#finish(call, undefined),
      mapError: (error) => this.#normalise(call, error),
    });
    // An abort ends the stream even when nobody is pulling from it (a stalled or departed reader).
    call.onAbort(() => {
      stream.return?.();
    });
    return stream;
  }

  #finish<T>(call: ServerCallImpl, result: T): T {
    call.release();
    if (this.#inFlight.delete(call)) this.#gate.leave();
    return result;
  }

  #normalise(call: ServerCallImpl, error: unknown): WharfError {
    if (WharfError.is(error)) return error;
    // A handler that passed ctx.signal on (fetch, a driver) throws that library's AbortError:
    // the reason we aborted with is the truthful answer.
    if (call.abortReason !== undefined) return call.abortReason;
    call.appLogger.error(
      { err: error, requestId: call.requestId, service: call.service, method: call.method, transport: call.transport },
      `${call.endpoint.source} threw an unexpected error`,
    );
    return new WharfError('INTERNAL', `Internal error (request id ${call.requestId})`, undefined, { cause: error });
  }
}
