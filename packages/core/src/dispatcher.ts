import { CallList } from './call-list.js';
import { type Runtime, type ServerCall, ServerCallImpl } from './context.js';
import { type Endpoint, hasOutputStream, type ServiceDefinition } from './endpoint.js';
import { WharfError } from './errors.js';
import { IdleGate, MAX_TIMER_MS } from './idle-gate.js';
import { acceptRequestId, MetadataKey } from './metadata.js';
import { compose, forEndpoint, type ServerMiddlewareEntry } from './pipeline.js';
import { wrapStream } from './stream.js';
import type { InboundRequest } from './transport.js';

interface Route {
  readonly run: (call: ServerCall) => Promise<unknown>;
  readonly streams: boolean;
}

function invokeHandler(call: ServerCall): Promise<unknown> {
  const result = call.endpoint.handler(call.input as never, call);
  return result instanceof Promise ? result : Promise.resolve(result);
}

function expired(call: ServerCall): WharfError {
  return new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded while handling ${call.service}.${call.method}`);
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
export class Dispatcher {
  readonly #runtime: Runtime;
  readonly #routes = new Map<Endpoint, Route>();
  readonly #inFlight = new CallList<ServerCallImpl>();
  readonly #gate = new IdleGate();
  #closed = false;
  #sweepAt = Number.POSITIVE_INFINITY;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(runtime: Runtime, services: readonly ServiceDefinition[], middleware: readonly ServerMiddlewareEntry[]) {
    this.#runtime = runtime;
    for (const service of services) {
      for (const endpoint of [...service.rpcs, ...service.events]) {
        this.#routes.set(endpoint, {
          run: compose(forEndpoint(middleware, endpoint), invokeHandler),
          streams: endpoint.kind === 'rpc' && hasOutputStream(endpoint.stream),
        });
      }
    }
  }

  /** Requests currently being handled (a server stream counts until it ends). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  readonly dispatch = (endpoint: Endpoint, payload: unknown, request: InboundRequest): Promise<unknown> => {
    const route = this.#routes.get(endpoint);
    if (route === undefined) {
      return Promise.reject(new WharfError('UNIMPLEMENTED', `${endpoint.fullName} is not served by this app`));
    }
    if (this.#closed) return Promise.reject(new WharfError('UNAVAILABLE', 'The server has stopped; retry on another instance'));
    // Refused before a call object exists: it would subscribe to the caller's cancellation.
    if (request.deadline !== undefined && request.deadline <= Date.now()) {
      return Promise.reject(new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded before ${endpoint.fullName} started`));
    }
    const requestId = request.requestId ?? acceptRequestId(request.metadata[MetadataKey.requestId]);
    const call = new ServerCallImpl(this.#runtime, endpoint, payload, request, requestId);
    if (call.abortReason !== undefined) {
      // The caller went away before we began: answer, and run nothing on its behalf.
      call.release();
      return Promise.reject(call.abortReason);
    }
    this.#inFlight.add(call);
    this.#gate.enter();

    // Nothing can abort the call early: no deadline, no caller cancellation. Skip the race.
    if (call.deadline === undefined && request.signal === undefined && request.onCancel === undefined) {
      return route.run(call).then(
        (result) => (route.streams ? this.#stream(call, result) : this.#finish(call, result)),
        (error: unknown) => {
          this.#finish(call, undefined);
          throw this.#normalise(call, error);
        },
      );
    }
    if (call.deadline !== undefined && call.deadline < this.#sweepAt) this.#armSweep(call.deadline);
    return new Promise((resolve, reject) => {
      call.onAbort(reject);
      route.run(call).then(
        (result) => resolve(route.streams ? this.#stream(call, result) : this.#finish(call, result)),
        (error: unknown) => {
          this.#finish(call, undefined);
          reject(this.#normalise(call, error));
        },
      );
    });
  };

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
