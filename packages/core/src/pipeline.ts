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
 * @internal A built-in middleware's own form for `compose`: given the rest of the pipeline, the
 * function that runs its layer. It costs no `next` closure per call, where the onion form costs
 * one per layer per call. It may throw synchronously; `compose` turns that into a rejection.
 */
export const DIRECT: unique symbol = Symbol('wharf.direct');

/**
 * @internal What a built-in server middleware does with `call.input` before the handler sees it:
 * `ignores` it (the request log), or `copies` it — parses it into a value that shares nothing
 * with what the caller passed (validation with a schema `parseCopies` proves). Anything without
 * the mark may read or keep the input.
 */
export const INPUT: unique symbol = Symbol('wharf.input');

/** @internal */
export type Run<C> = (ctx: C) => Promise<unknown>;

/** @internal A middleware with its own form for `compose` (see DIRECT). */
export type Fusable<C> = Middleware<C> & {
  [DIRECT]?: (inner: Run<C>) => Run<C>;
  [INPUT]?: 'ignores' | 'copies';
};

/** @internal `run(ctx)`, a synchronous throw turned into a rejection. */
export function settled<C>(run: Run<C>, ctx: C): Promise<unknown> {
  try {
    return run(ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Composes middleware around `terminal` once, into one function. A middleware that throws
 * synchronously becomes a rejection, so callers only ever deal with promises.
 */
export function compose<C>(middleware: readonly Middleware<C>[], terminal: Run<C>): Run<C> {
  let run = terminal;
  for (let i = middleware.length - 1; i >= 0; i--) {
    const layer = middleware[i] as Fusable<C>;
    const inner = run;
    const direct = layer[DIRECT];
    // `next` never throws: a synchronous throw inside it reaches the layer as a rejection.
    run = direct !== undefined ? direct(inner) : (ctx) => layer(ctx, () => settled(inner, ctx));
  }
  const composed = run;
  return (ctx) => settled(composed, ctx);
}
