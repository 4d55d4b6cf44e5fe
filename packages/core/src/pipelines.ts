import type { AppOptions, ClientBuiltins, ServerBuiltins } from './app-types.js';
import { requestLog } from './middleware/request-log.js';
import { type ResolveOptions, resolve } from './middleware/resolve.js';
import { validation } from './middleware/validation.js';
import type { ClientMiddleware, ServerMiddlewareEntry } from './pipeline.js';

/**
 * The server pipeline's entries: the built-ins (request log first, validation last) around the
 * app's own middleware, or whatever order `middleware.server` returns when it is a function.
 */
export function serverPipeline(options: AppOptions): readonly ServerMiddlewareEntry[] {
  const builtins: ServerBuiltins = {
    requestLog: options.requestLog === false ? undefined : requestLog(options.requestLog),
    validation: validation({ output: options.validateOutput ?? false }),
  };
  const server = options.middleware?.server;
  if (typeof server === 'function') return server(builtins);
  const head = builtins.requestLog ? [builtins.requestLog] : [];
  return [...head, ...(server ?? []), builtins.validation];
}

/** The client pipeline's entries: the app's own middleware, then `resolve`, unless `middleware.client` orders them. */
export function clientPipeline(options: AppOptions, resolving: ResolveOptions): readonly ClientMiddleware[] {
  const builtins: ClientBuiltins = { resolve: resolve(resolving) };
  const client = options.middleware?.client;
  if (typeof client === 'function') return client(builtins);
  return [...(client ?? []), builtins.resolve];
}
