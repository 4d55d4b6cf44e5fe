import { type EnvVar, withEnv } from '@wharf/core/transport';
import type { HttpTransportOptions } from './options.js';
import { httpTransport as create, type HttpTransport } from './transport.js';

/** The variables `httpTransport()` reads for options not given in code. */
export const HTTP_ENV: readonly EnvVar[] = [
  { name: 'WHARF_HTTP_PORT', option: 'port', kind: 'port', description: 'port to listen on; default 3000, 0 for any free port' },
  { name: 'WHARF_HTTP_HOST', option: 'host', kind: 'host', description: 'interface to bind; default 127.0.0.1, 0.0.0.0 for all' },
  {
    name: 'WHARF_HTTP_ADVERTISE',
    option: 'advertise',
    kind: 'url',
    description: 'address registered for other apps, e.g. http://orders-1:3000',
  },
  { name: 'WHARF_HTTP_PREFIX', option: 'prefix', kind: 'string', description: 'path prefix of every route, e.g. /api' },
  {
    name: 'WHARF_HTTP_BODY_LIMIT',
    option: 'bodyLimit',
    kind: 'count',
    description: 'largest request body in bytes; default 1048576',
  },
  {
    name: 'WHARF_HTTP_TIMEOUT_MS',
    option: 'defaultTimeoutMs',
    kind: 'ms',
    description: 'handler time limit when the caller sends none; default 30000',
  },
];

/**
 * The HTTP transport: serves every RPC as a route and calls `http://` addresses. Options not given
 * here come from `WHARF_HTTP_*` variables (see HTTP_ENV), then the defaults.
 */
export function httpTransport(options: HttpTransportOptions = {}): HttpTransport {
  return create(withEnv(options, HTTP_ENV));
}
