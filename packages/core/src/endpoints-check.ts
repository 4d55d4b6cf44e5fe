import type { Endpoint } from './endpoint.js';
import type { ServerMiddlewareEntry } from './pipeline.js';

/**
 * A server middleware entry that also judges the app's endpoints as a whole at start-up — an auth
 * guard's "deny by default" lists every endpoint that declares nothing. `createApp` calls
 * `checkEndpoints` once with every endpoint, before any pipeline is composed, and throws one
 * DeclarationError with the problems of every entry.
 */
export interface EndpointsCheck {
  /** Problems with the app's endpoints, one line each naming where the endpoint was declared; empty when fine. */
  checkEndpoints(endpoints: readonly Endpoint[]): readonly string[];
}

/** The problems every checking entry of `entries` finds in `endpoints`. */
export function endpointsProblems(entries: readonly ServerMiddlewareEntry[], endpoints: readonly Endpoint[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    const check = (entry as Partial<EndpointsCheck>).checkEndpoints;
    if (typeof check === 'function') problems.push(...check.call(entry, endpoints));
  }
  return problems;
}
