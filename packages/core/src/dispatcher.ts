import { type Runtime, type ServerCall, ServerCallImpl } from './context.js';
import { type Endpoint, hasOutputStream, type ServiceDefinition } from './endpoint.js';
import { WharfError } from './errors.js';
import { acceptRequestId, MetadataKey } from './metadata.js';
import { compose, forEndpoint, type ServerMiddlewareEntry } from './pipeline.js';
import { wrapStream } from './stream.js';
import type { InboundRequest } from './transport.js';

type Pipeline = (call: ServerCall) => Promise<unknown>;

function invokeHandler(call: ServerCall): Promise<unknown> {
  const result = call.endpoint.handler(call.input as never, call);
  return result instanceof Promise ? result : Promise.resolve(result);
}

/**
 * Runs endpoints through the server pipeline: composed once per endpoint at start-up, one
 * ServerCall per request, every failure turned into a WharfError, in-flight work tracked for
 * graceful shutdown.
 */
export class Dispatcher {
  readonly #runtime: Runtime;
  readonly #pipelines = new Map<Endpoint, Pipeline>();
  readonly #inFlight = new Set<ServerCallImpl>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(runtime: Runtime, services: readonly ServiceDefinition[], middleware: readonly ServerMiddlewareEntry[]) {
    this.#runtime = runtime;
    for (const service of services) {
      for (const endpoint of [...service.rpcs, ...service.events]) {
        this.#pipelines.set(endpoint, compose(forEndpoint(middleware, endpoint), invokeHandler));
      }
    }
  }

  /** Requests currently being handled (a server stream counts until it ends). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  readonly dispatch = (endpoint: Endpoint, payload: unknown, request: InboundRequest): Promise<unknown> => {
    const pipeline = this.#pipelines.get(endpoint);
    if (pipeline === undefined) {
      return Promise.reject(new WharfError('UNIMPLEMENTED', `${endpoint.fullName} is not served by this app`));
    }
    if (this.#closed) return Promise.reject(new WharfError('UNAVAILABLE', 'The server has stopped; retry on another instance'));
    const requestId = acceptRequestId(request.metadata[MetadataKey.requestId]);
    const call = new ServerCallImpl(this.#runtime, endpoint, payload, request, requestId);
    this.#inFlight.add(call);
    return pipeline(call).then(
      (result) => {
        if (endpoint.kind === 'rpc' && hasOutputStream(endpoint.stream) && result !== null && typeof result === 'object') {
          return wrapStream(result as AsyncIterable<unknown>, {
            done: () => this.#finish(call),
            mapError: (error) => this.#normalise(call, error),
          });
        }
        this.#finish(call);
        return result;
      },
      (error: unknown) => {
        this.#finish(call);
        throw this.#normalise(call, error);
      },
    );
  };

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Refuses new requests and aborts those still running (the drain time is over). */
  close(reason: WharfError): void {
    this.#closed = true;
    for (const call of this.#inFlight) call.abort(reason);
  }

  #finish(call: ServerCallImpl): void {
    call.release();
    if (!this.#inFlight.delete(call) || this.#inFlight.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
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
