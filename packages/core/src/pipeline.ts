import type { Call, ClientCall } from './client-call.js';
import type { ServerCall } from './context.js';
import type { Endpoint } from './endpoint.js';

/** Runs the rest of the pipeline. May be called more than once (a retry middleware does). */
export type Next = () => Promise<unknown>;

/** An onion middleware: do something, `await next()`, do something with the result or error. */
export type Middleware<C> = (ctx: C, next: Next) => Promise<unknown>;

/** Server-side middleware: sees the endpoint, input, metadata and deadline of each request. */
export type ServerMiddleware = Middleware<ServerCall>;

/** Client-side middleware: sees each outbound call and event before a transport sends it. */
export type ClientMiddleware = Middleware<ClientCall>;

/**
 * Middleware for both pipelines: it sees a `Call` (`call.side` is `server` or `client`) and can be
 * installed in `middleware.server` and `middleware.client` alike.
 */
export type CallMiddleware = Middleware<Call>;

/**
 * Server middleware that specialises itself for each endpoint when the pipeline is composed at
 * start-up, or returns undefined to stay out of that endpoint's pipeline (costing nothing there).
 */
export interface EndpointMiddleware {
  readonly name?: string;
  forEndpoint(endpoint: Endpoint): ServerMiddleware | undefined;
}

/** An entry of the server pipeline. */
export type ServerMiddlewareEntry = ServerMiddleware | EndpointMiddleware;

/** The middleware for one endpoint: entries specialised, opt-outs dropped. */
export function forEndpoint(entries: readonly ServerMiddlewareEntry[], endpoint: Endpoint): ServerMiddleware[] {
  const out: ServerMiddleware[] = [];
  for (const entry of entries) {
    const middleware = typeof entry === 'function' ? entry : entry.forEndpoint(endpoint);
    if (middleware !== undefined) out.push(middleware);
  }
  return out;
}

/**
 * @internal One step of a composed pipeline. Pipelines are chains of these objects rather than
 * of closures: the same few methods then run every app's and every endpoint's calls, and stay
 * monomorphic (closures of the same code made per app made the hot calls polymorphic: a second
 * app in the process cost ~20% on every in-process call).
 */
export interface Layer<C> {
  run(ctx: C): Promise<unknown>;
}

/**
 * @internal A built-in middleware's own form for `compose`: given the rest of the pipeline, the
 * layer that runs it. It costs no `next` closure per call, where the onion form costs one per
 * layer per call. Its `run` may throw synchronously; `compose` turns that into a rejection.
 */
export const DIRECT: unique symbol = Symbol('wharf.direct');

/**
 * @internal What a built-in server middleware does with `call.input` before the handler sees it:
 * `ignores` it (the request log), or `copies` it — parses it into a value that shares nothing
 * with what the caller passed (validation with a schema `parseCopies` proves). Anything without
 * the mark may read or keep the input.
 */
export const INPUT: unique symbol = Symbol('wharf.input');

/** @internal A middleware with its own form for `compose` (see DIRECT). */
export type Fusable<C> = Middleware<C> & {
  [DIRECT]?: (inner: Layer<C>) => Layer<C>;
  [INPUT]?: 'ignores' | 'copies';
};

/** @internal `layer.run(ctx)`, a synchronous throw turned into a rejection. */
export function settled<C>(layer: Layer<C>, ctx: C): Promise<unknown> {
  try {
    return layer.run(ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** @internal The end of a pipeline: a plain function. */
export class Terminal<C> implements Layer<C> {
  readonly #run: (ctx: C) => Promise<unknown>;

  constructor(run: (ctx: C) => Promise<unknown>) {
    this.#run = run;
  }

  run(ctx: C): Promise<unknown> {
    return this.#run(ctx);
  }
}

/** An onion middleware: `next` never throws, a synchronous throw inside it reaches the layer as a rejection. */
class Onion<C> implements Layer<C> {
  readonly #middleware: Middleware<C>;
  readonly #inner: Layer<C>;

  constructor(middleware: Middleware<C>, inner: Layer<C>) {
    this.#middleware = middleware;
    this.#inner = inner;
  }

  run(ctx: C): Promise<unknown> {
    const inner = this.#inner;
    return this.#middleware(ctx, () => settled(inner, ctx));
  }
}

/** @internal Chains `middleware` in front of `terminal`, built-ins in their own form. */
export function chain<C>(middleware: readonly Middleware<C>[], terminal: Layer<C>): Layer<C> {
  let layer = terminal;
  for (let i = middleware.length - 1; i >= 0; i--) {
    const entry = middleware[i] as Fusable<C>;
    const direct = entry[DIRECT];
    layer = direct !== undefined ? direct(layer) : new Onion(entry, layer);
  }
  return layer;
}

/**
 * Composes middleware around `terminal` once, into one function. A middleware that throws
 * synchronously becomes a rejection, so callers only ever deal with promises.
 */
export function compose<C>(
  middleware: readonly Middleware<C>[],
  terminal: (ctx: C) => Promise<unknown>,
): (ctx: C) => Promise<unknown> {
  const top = chain(middleware, new Terminal(terminal));
  return (ctx) => settled(top, ctx);
}
