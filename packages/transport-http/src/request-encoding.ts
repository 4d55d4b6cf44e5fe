import { hasOutputStream, type RpcRef, WharfError } from '@wharf/core/transport';
import { type HttpRoute, isBodyless, routeOf } from './route.js';

/** How a ref is sent, computed once per ref. */
export interface ClientRoute {
  readonly route: HttpRoute;
  readonly bodyless: boolean;
  readonly streams: boolean;
  readonly accept: string;
  /** The path template split at its parameters: literal, param, literal, … */
  readonly parts: readonly string[];
}

/** How `ref` is sent: its route, computed once per ref. */
export function clientRoute(ref: RpcRef): ClientRoute {
  const route = routeOf(ref);
  const streams = hasOutputStream(ref.stream);
  return {
    route,
    bodyless: isBodyless(route.method),
    streams,
    accept: streams ? 'application/x-ndjson, application/problem+json' : 'application/json, application/problem+json',
    parts: route.path.split(/:([A-Za-z_$][\w$]*)/),
  };
}

function invalid(ref: RpcRef, field: string, description: string): WharfError {
  return new WharfError('INVALID_ARGUMENT', `Cannot send ${ref.fullName}: ${field}: ${description}`, {
    fieldViolations: [{ field, description }],
  });
}

function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return value instanceof Date ? value.toISOString() : undefined;
  }
}

/** The path (with parameters filled in) and the query or body of one call. */
export function encode(ref: RpcRef, spec: ClientRoute, input: unknown): { path: string; body: string | undefined } {
  const fields = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  let path = '';
  const { parts, route } = spec;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i % 2 === 0) {
      path += part;
      continue;
    }
    const text = scalarText(fields[part]);
    if (text === undefined || text === '') throw invalid(ref, part, 'is required: it is a path parameter of the HTTP route');
    path += encodeURIComponent(text);
  }
  if (!spec.bodyless) {
    let body: unknown = input;
    if (route.params.length > 0) {
      const rest: Record<string, unknown> = { ...fields };
      for (const name of route.params) delete rest[name];
      body = rest;
    }
    try {
      return { path, body: body === undefined ? undefined : JSON.stringify(body) };
    } catch (error) {
      throw new WharfError(
        'INVALID_ARGUMENT',
        `Cannot send ${ref.fullName}: the input is not JSON (${(error as Error).message})`,
      );
    }
  }
  let query = '';
  for (const key of Object.keys(fields)) {
    if (route.params.includes(key)) continue;
    const value = fields[key];
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      const text = scalarText(item);
      if (text === undefined) {
        throw invalid(
          ref,
          key,
          `is ${Array.isArray(item) ? 'an array' : 'an object'}, which a ${route.method} query string cannot carry; route the RPC with POST`,
        );
      }
      query += `${query === '' ? '?' : '&'}${encodeURIComponent(key)}=${encodeURIComponent(text)}`;
    }
  }
  return { path: path + query, body: undefined };
}
