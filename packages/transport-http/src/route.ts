import type { RpcOptions } from '@wharf/core';
import type { RpcRef } from '@wharf/core/transport';
import { HTTP_METHODS, type HttpMethod, type HttpRouteOptions } from './options.js';

/** Where one RPC lives over HTTP. */
export interface HttpRoute {
  readonly method: HttpMethod;
  /** The full path template, `:name` for parameters, without the server's prefix: `/v1/languages/:code`. */
  readonly path: string;
  /** Path parameter names in order. */
  readonly params: readonly string[];
  readonly status: 200 | 201 | 202;
  /** True when the RPC declared `http` options; false for the default route. */
  readonly declared: boolean;
}

const PARAM = /^(?::([A-Za-z_$][\w$]*)|\{([A-Za-z_$][\w$]*)\})$/;
const LITERAL = /^[\w.~-]+$/;

/** Methods whose input travels in the query string (they carry no body). */
export function isBodyless(method: HttpMethod): boolean {
  return method === 'GET' || method === 'DELETE';
}

/** Problems with an RPC's `http` options; `where` prefixes each. */
export function routeProblems(ref: RpcRef, where: string): string[] {
  const http = ref.http as HttpRouteOptions | undefined;
  if (http === undefined) return [];
  const problems: string[] = [];
  if (typeof http !== 'object' || http === null) return [`${where}: http must be an object { method?, path?, status? }`];
  if (http.method !== undefined && !HTTP_METHODS.includes(http.method)) {
    problems.push(`${where}: http.method ${JSON.stringify(http.method)} is not one of ${HTTP_METHODS.join(', ')}`);
  }
  if (http.exact !== undefined && typeof http.exact !== 'boolean') problems.push(`${where}: http.exact must be true or false`);
  if (http.status !== undefined && ![200, 201, 202].includes(http.status)) {
    problems.push(`${where}: http.status must be 200, 201 or 202`);
  }
  if (http.path !== undefined) {
    if (typeof http.path !== 'string' || !http.path.startsWith('/')) {
      problems.push(
        `${where}: http.path ${JSON.stringify(http.path)} must start with "/" (${http.exact ? 'it is served as written' : `it is relative to /v${ref.major}`})`,
      );
    } else {
      const seen = new Set<string>();
      for (const segment of http.path.split('/').slice(1)) {
        const match = PARAM.exec(segment);
        const name = match?.[1] ?? match?.[2];
        if (name !== undefined) {
          if (seen.has(name)) problems.push(`${where}: http.path repeats the parameter "${name}"`);
          seen.add(name);
        } else if (!LITERAL.test(segment) && segment !== '') {
          problems.push(
            `${where}: http.path segment ${JSON.stringify(segment)} is not a literal (letters, digits, "-", "_", ".", "~") or a parameter (":name" or "{name}")`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Marks every method of a contract (or of `defineService`'s rpcs) to be served at its exact path,
 * without the `/v<major>` prefix: `defineContract({ name, version, methods: exactPaths({ … }) })`.
 * A method without a path gets `/<service>/<method>`.
 */
export function exactPaths<const M extends { readonly [name: string]: RpcOptions }>(methods: M): M {
  const out: Record<string, RpcOptions> = {};
  for (const [name, options] of Object.entries(methods)) out[name] = { ...options, http: { ...options.http, exact: true } };
  return out as M;
}

/** The route of an RPC: its `http` options, or the default `POST /v<major>/<service>/<method>`. */
export function routeOf(ref: RpcRef): HttpRoute {
  const http = ref.http as HttpRouteOptions | undefined;
  const relative = http?.path ?? `/${ref.service}/${ref.name}`;
  const params: string[] = [];
  const segments = relative.split('/').map((segment) => {
    const match = PARAM.exec(segment);
    const name = match?.[1] ?? match?.[2];
    if (name === undefined) return segment;
    params.push(name);
    return `:${name}`;
  });
  let path = http?.exact === true ? segments.join('/') : `/v${ref.major}${segments.join('/')}`;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { method: http?.method ?? 'POST', path, params, status: http?.status ?? 200, declared: http !== undefined };
}

/** `/v1/languages/:code` → `/v1/languages/{code}` (OpenAPI's template syntax). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_$][\w$]*)/g, '{$1}');
}

/** Normalises a configured path prefix: `api/` → `/api`, `/` → ``. */
export function normalisePrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}
