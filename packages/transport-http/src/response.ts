import type { ServerResponse } from 'node:http';
import { type ResponseChannel, WharfError } from '@wharf/core/transport';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problem.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';
export const REQUEST_ID_HEADER = 'x-request-id';

// Framing headers belong to the transport; a handler setting them would corrupt the response.
const RESERVED = new Set(['content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'trailer']);

function text(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64');
}

/**
 * `ctx.response` over HTTP: headers become response headers (binary values base64). On a unary
 * response trailers are sent as headers, since the whole body is known before anything is written;
 * on a stream they are HTTP trailers after the last line.
 */
export class HttpResponseChannel implements ResponseChannel {
  readonly #res: ServerResponse;
  #trailers: Record<string, string> | undefined;
  #headers: Set<string> | undefined;
  /** Set by a stream writer: writes the status line and headers at once. */
  onFlush: (() => void) | undefined;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  /** True once a handler set a header or trailer. */
  used = false;

  header(key: string, value: string | Uint8Array): void {
    const name = key.toLowerCase();
    if (RESERVED.has(name) || this.#res.headersSent) return;
    this.used = true;
    this.#headers ??= new Set();
    this.#headers.add(name);
    this.#res.setHeader(name, text(value));
  }

  /**
   * Drops the headers a handler set, before an error answer: a `set-cookie` or `location` meant
   * for a success must not ride on a 403. Trailers stay, as with gRPC's trailing metadata.
   */
  dropHeaders(): void {
    if (this.#headers === undefined || this.#res.headersSent) return;
    for (const name of this.#headers) this.#res.removeHeader(name);
    this.#headers = undefined;
  }

  trailer(key: string, value: string | Uint8Array): void {
    const name = key.toLowerCase();
    if (RESERVED.has(name)) return;
    if (!this.#res.headersSent) {
      this.used = true;
      this.#res.setHeader(name, text(value));
      return;
    }
    this.#trailers ??= {};
    this.#trailers[name] = text(value);
  }

  flushHeaders(): void {
    this.onFlush?.();
  }

  /** Trailers set after the headers went out; written by the stream writer at the end. */
  get trailers(): Record<string, string> | undefined {
    return this.#trailers;
  }
}

/** Sends a JSON body. `close` asks the client not to reuse the connection (draining). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  requestId: string,
  close: boolean,
  channel: HttpResponseChannel,
): void {
  if (!channel.used && !close) {
    // No handler headers: the flat-array form skips Node's per-header bookkeeping (~0.5 µs).
    res.writeHead(status, [
      'content-type',
      JSON_CONTENT_TYPE,
      'content-length',
      String(Buffer.byteLength(body)),
      REQUEST_ID_HEADER,
      requestId,
    ]);
    res.end(body);
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', JSON_CONTENT_TYPE);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  if (close) res.setHeader('connection', 'close');
  res.end(body);
}

/** Sends an RFC 9457 problem for `error` with `status`. */
/**
 * The problem+json text of an error. Details that are not JSON (a bigint, a cycle) are dropped
 * rather than allowed to throw inside a rejection handler, which would take the process down.
 */
export function problemJson(error: WharfError, status: number, requestId: string | undefined): string {
  try {
    return JSON.stringify(problemOf(error, status, requestId));
  } catch {
    const plain = new WharfError(error.code, error.message);
    return JSON.stringify(problemOf(plain, status, requestId));
  }
}

/**
 * `Retry-After` (whole seconds, at least 1) from an error's `details.retryAfterMs`, which a
 * bulkhead or rate limit sets on RESOURCE_EXHAUSTED and UNAVAILABLE.
 */
function retryAfterSeconds(error: WharfError): string | undefined {
  const ms = error.details?.retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return undefined;
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

export function sendProblem(
  res: ServerResponse,
  status: number,
  error: WharfError,
  requestId: string | undefined,
  close: boolean,
  headers?: Readonly<Record<string, string>>,
): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    // Nothing truthful can be said any more; cut the connection so the client sees a failure.
    res.destroy();
    return;
  }
  const body = problemJson(error, status, requestId);
  res.statusCode = status;
  res.setHeader('content-type', PROBLEM_CONTENT_TYPE);
  if (requestId !== undefined) res.setHeader(REQUEST_ID_HEADER, requestId);
  if (close) res.setHeader('connection', 'close');
  const challenge = challengeOf(error, status);
  if (challenge !== undefined) res.setHeader('www-authenticate', challenge);
  if (headers !== undefined) for (const key in headers) res.setHeader(key, headers[key] as string);
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
  res.end(body);
}

// A challenge is printable ASCII; anything else in the details is not sent as a header.
const CHALLENGE = /^[\x20-\x7e]{1,1024}$/;

/**
 * The `WWW-Authenticate` of an error answer: a 401 must carry one (RFC 9110 §11.6.1), a 403 for a
 * missing scope may (RFC 6750 §3.1). An auth guard puts its challenge in the error's
 * `details.challenge`; a 401 without one gets plain `Bearer`.
 */
function challengeOf(error: WharfError, status: number): string | undefined {
  if (status !== 401 && status !== 403) return undefined;
  const given = error.details?.challenge;
  if (typeof given === 'string' && CHALLENGE.test(given)) return given;
  return status === 401 ? 'Bearer' : undefined;
}
