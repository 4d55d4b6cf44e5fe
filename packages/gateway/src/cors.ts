import type { IncomingMessage, ServerResponse } from 'node:http';

/** Which browser origins may call the gateway (CORS). Nothing is allowed unless listed. */
export interface CorsOptions {
  /** Exact origins, e.g. `https://shop.example.com` (scheme, host and port; no wildcards). */
  readonly origins: readonly string[];
  /** Request headers a page may send; default authorization, content-type, x-request-id, x-wharf-timeout-ms. */
  readonly headers?: readonly string[];
  /** Response headers a page may read; default the request id, rate-limit and auth headers. */
  readonly exposeHeaders?: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies); default false. */
  readonly credentials?: boolean;
  /** How long a browser may cache a preflight, in seconds; default 600. */
  readonly maxAgeSec?: number;
}

const METHODS = 'GET, POST, PUT, PATCH, DELETE';

/**
 * CORS with an explicit allow-list: an allowed origin gets `Access-Control-Allow-Origin` echoed
 * (never `*`), every answer varies by Origin, and a preflight from an origin not on the list is
 * refused with 403. Returns true when it answered the request (a preflight).
 */
export function corsHandler(options: CorsOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const origins = new Set(options.origins);
  for (const origin of origins) {
    if (origin === '*' || origin.endsWith('/') || !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new TypeError(`gateway: cors origin ${JSON.stringify(origin)} must be an exact origin like https://app.example.com`);
    }
  }
  const allowHeaders = (options.headers ?? ['authorization', 'content-type', 'x-request-id', 'x-wharf-timeout-ms']).join(', ');
  const expose = (
    options.exposeHeaders ?? ['x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy', 'www-authenticate']
  ).join(', ');
  const maxAge = String(options.maxAgeSec ?? 600);
  return (req, res) => {
    const origin = req.headers.origin;
    res.setHeader('vary', 'Origin');
    const allowed = origin !== undefined && origins.has(origin);
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      if (options.credentials) res.setHeader('access-control-allow-credentials', 'true');
      if (!preflight) res.setHeader('access-control-expose-headers', expose);
    }
    if (!preflight) return false;
    if (!allowed) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('This origin may not call the API');
      return true;
    }
    res.writeHead(204, {
      'access-control-allow-methods': METHODS,
      'access-control-allow-headers': allowHeaders,
      'access-control-max-age': maxAge,
    });
    res.end();
    return true;
  };
}
