import type { IncomingMessage } from 'node:http';
import { WharfError } from '@wharf/core/transport';

/** Why a request is refused before routing: the status and the error to describe. */
export interface EarlyRefusal {
  readonly status: number;
  readonly error: WharfError;
}

/**
 * Refusals every route shares, checked before routing: more header fields than `maxHeaders` (the
 * server keeps all of them, so none is silently lost — Node's own count drops the fields past it,
 * `Content-Length` included, and the body is then read but ignored), and an HTTP/1.1 request
 * without `Host` (RFC 9112 §3.2; Node's own check answers a bare 400, not a problem).
 */
export function earlyRefusal(req: IncomingMessage, maxHeaders: number): EarlyRefusal | undefined {
  const fields = req.rawHeaders.length / 2;
  if (fields > maxHeaders) {
    return {
      status: 431,
      error: new WharfError(
        'RESOURCE_EXHAUSTED',
        `The request has ${fields} header fields; this server accepts at most ${maxHeaders}. Send fewer`,
        { reason: 'TOO_MANY_HEADERS', maxHeaders },
      ),
    };
  }
  if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
    return {
      status: 400,
      error: new WharfError('INVALID_ARGUMENT', 'An HTTP/1.1 request must carry a Host header (RFC 9112 §3.2); add one'),
    };
  }
  return undefined;
}
