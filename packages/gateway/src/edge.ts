import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthGuard } from '@wharf/auth';
import { acceptRequestId, type Logger, WharfError } from '@wharf/core/transport';
import { PROBLEM_CONTENT_TYPE, problemOf } from '@wharf/transport-http';
import { type CorsOptions, corsHandler } from './cors.js';
import type { RateLimiter } from './rate-limit/limiter.js';

/** Request limits checked before anything else. */
export interface EdgeLimits {
  /** Longest request target (path and query); default 8 192 bytes. Longer: 414. */
  readonly maxUrlBytes?: number;
  /** Most request headers; default 100. More: 431. */
  readonly maxHeaders?: number;
}

export interface EdgeOptions {
  readonly cors?: CorsOptions;
  readonly limits?: EdgeLimits;
  readonly limiter?: RateLimiter;
  readonly guard?: AuthGuard;
  /** Paths the limits and rate limits leave alone (health checks). */
  readonly exempt: (path: string) => boolean;
  readonly logger: Logger;
}

function refuse(res: ServerResponse, status: number, error: WharfError, requestId: string): void {
  const body = JSON.stringify(problemOf(error, status, requestId));
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId }).end(body);
}

/**
 * What the gateway does before routing, on the raw request: size limits, CORS, the request id,
 * rate limits per IP and per verified identity (429 with Retry-After and RateLimit headers). Auth
 * itself is the guard's, in the pipeline; here a token only names the bucket, and only once
 * verified, so a forged token cannot pick someone else's bucket.
 */
export function edge(options: EdgeOptions): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const cors = options.cors === undefined ? undefined : corsHandler(options.cors);
  const maxUrl = options.limits?.maxUrlBytes ?? 8 * 1024;
  const maxHeaders = options.limits?.maxHeaders ?? 100;
  const { limiter, guard, exempt, logger } = options;

  return (req, res, next) => {
    // One sane id for the whole hop: what the transport logs and forwards is what the caller sees.
    const requestId = acceptRequestId(req.headers['x-request-id'] as string | undefined);
    req.headers['x-request-id'] = requestId;
    const url = req.url ?? '/';
    if (url.length > maxUrl) {
      return refuse(res, 414, new WharfError('RESOURCE_EXHAUSTED', `The request target is over ${maxUrl} bytes`), requestId);
    }
    if (req.rawHeaders.length / 2 > maxHeaders) {
      return refuse(res, 431, new WharfError('RESOURCE_EXHAUSTED', `The request has over ${maxHeaders} headers`), requestId);
    }
    if (cors?.(req, res)) return;
    const path = url.split('?', 1)[0] ?? '/';
    if (limiter === undefined || exempt(path)) {
      next();
      return;
    }
    limiter
      .check(req.socket.remoteAddress, () => identityOf(req, guard, logger))
      .then(
        (answer) => {
          for (const [key, value] of Object.entries(answer.headers)) res.setHeader(key, value);
          if (!answer.allowed) {
            refuse(
              res,
              429,
              new WharfError('RESOURCE_EXHAUSTED', 'Too many requests; retry after the time in Retry-After'),
              requestId,
            );
            return;
          }
          next();
        },
        (error: unknown) => {
          logger.error({ err: error, requestId }, 'The gateway edge failed');
          refuse(res, 500, new WharfError('INTERNAL', `Internal error (request id ${requestId})`), requestId);
        },
      );
  };
}

/** The verified subject of the request's token, or undefined (no token, or one that does not verify). */
async function identityOf(req: IncomingMessage, guard: AuthGuard | undefined, logger: Logger): Promise<string | undefined> {
  const authorization = req.headers.authorization;
  if (guard === undefined || authorization === undefined) return undefined;
  try {
    const identity = await guard.authenticate(authorization, logger);
    return identity.subject;
  } catch {
    return undefined; // the guard refuses it in the pipeline, with the proper 401
  }
}
