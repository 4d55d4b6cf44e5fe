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
 * Composes middleware around `terminal` once, into one function. A middleware that throws
 * synchronously becomes a rejection, so callers only ever deal with promises.
 */
export function compose<C>(
  middleware: readonly Middleware<C>[],
  terminal: (ctx: C) => Promise<unknown>,
): (ctx: C) => Promise<unknown> {
  let run = terminal;
  for (let i = middleware.length - 1; i >= 0; i--) {
    const layer = middleware[i] as Middleware<C>;
    const inner = run;
    run = (ctx) => {
      try {
        return layer(ctx, () => inner(ctx));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  return (ctx) => {
    try {
      return run(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
