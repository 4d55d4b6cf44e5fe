// One endpoint's server pipeline as the dispatcher runs it, and the pieces a dispatch is made of.
import type { ServerCall } from './context.js';
import type { Dispatcher } from './dispatcher.js';
import { type Endpoint, hasOutputStream } from './endpoint.js';
import { WharfError } from './errors.js';
import {
  chain,
  type Fusable,
  forEndpoint,
  INPUT,
  type Layer,
  type ServerMiddleware,
  type ServerMiddlewareEntry,
} from './pipeline.js';
import type { TransportHost } from './transport.js';

/** @internal One endpoint's server pipeline, composed at start-up, and what was decided about it then. */
export interface Route {
  readonly top: Layer<ServerCall>;
  readonly streams: boolean;
  /**
   * Whether the pipeline's first reader of the input parses it into a value that shares nothing
   * with it (see `INPUT` in pipeline.ts), so an in-process caller's input needs no copy first.
   */
  readonly copiesInput: boolean;
}

/**
 * @internal The key under which an app's transport host carries its dispatcher, for the in-memory
 * transport of the same process; not part of the transport SPI.
 */
export const LOCAL: unique symbol = Symbol('wharf.local');

/** @internal A transport host that may carry its app's dispatcher. */
export interface LocalHost extends TransportHost {
  readonly [LOCAL]?: Dispatcher;
}

// Takes a new promise's resolving functions without a closure per promise.
export const captured = { resolve: (_value: unknown): void => {}, reject: (_reason: unknown): void => {} };
export function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

function copiesInput(middleware: readonly ServerMiddleware[]): boolean {
  for (const layer of middleware as readonly Fusable<ServerCall>[]) {
    const input = layer[INPUT];
    if (input !== 'ignores') return input === 'copies';
  }
  return false;
}

/** The end of every server pipeline: the handler. */
class Invoke implements Layer<ServerCall> {
  run(call: ServerCall): Promise<unknown> {
    const result = call.endpoint.handler(call.input as never, call);
    return result instanceof Promise ? result : Promise.resolve(result);
  }
}

const INVOKE = new Invoke();

export function stopped(): WharfError {
  return new WharfError('UNAVAILABLE', 'The server has stopped; retry on another instance');
}

export function expired(call: ServerCall): WharfError {
  return new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded while handling ${call.service}.${call.method}`);
}

export function expiredBefore(endpoint: Endpoint): WharfError {
  return new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded before ${endpoint.fullName} started`);
}

/** @internal The route of `endpoint`: its middleware composed once, and what was decided about it. */
export function routeFor(endpoint: Endpoint, middleware: readonly ServerMiddlewareEntry[]): Route {
  const layers = forEndpoint(middleware, endpoint);
  return {
    top: chain(layers, INVOKE),
    streams: endpoint.kind === 'rpc' && hasOutputStream(endpoint.stream),
    copiesInput: copiesInput(layers),
  };
}
