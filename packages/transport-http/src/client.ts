import type { EventEmitter } from 'node:events';
import {
  codeFromHttpStatus,
  hasInputStream,
  MAX_TIMER_MS,
  MetadataKey,
  type OutboundCall,
  type RpcRef,
  stoppedCallError,
  WharfError,
  wrapStream,
} from '@wharf/core/transport';
import { Pool } from 'undici';
import { DEADLINE_HEADER } from './deadline.js';
import { headersFromMetadata } from './headers.js';
import { readNdjson } from './ndjson.js';
import { networkError } from './network-error.js';
import { DEFAULTS, type HttpClientOptions } from './options.js';
import { errorFromProblem, isWharfProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { RequestAbort } from './request-abort.js';
import { type ClientRoute, clientRoute, encode } from './request-encoding.js';

type ResponseBody = Awaited<ReturnType<Pool['request']>>['body'];

/** Where an address sends its requests. */
interface Target {
  readonly origin: string;
  /** The address's path prefix (`http://x/api` → `/api`). */
  readonly base: string;
  readonly pool: Pool;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** Drops a response body we will not read; undici reports the abort as an error nobody needs. */
function discard(body: ResponseBody): void {
  if (body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}

async function readText(body: ResponseBody, declared: string | string[] | undefined, limit: number): Promise<string> {
  const length = typeof declared === 'string' ? Number(declared) : Number.NaN;
  if (length > limit) {
    discard(body);
    throw new WharfError(
      'RESOURCE_EXHAUSTED',
      `The response body (${length} bytes) is larger than the client's limit of ${limit}`,
    );
  }
  if (!Number.isNaN(length)) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      discard(body);
      throw new WharfError('RESOURCE_EXHAUSTED', `The response body is larger than the client's limit of ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function isJson(type: string | string[] | undefined): boolean {
  return typeof type === 'string' && (type.startsWith('application/json') || type.startsWith(PROBLEM_CONTENT_TYPE));
}

/**
 * The client half of the HTTP transport: one undici keep-alive pool per origin, the RPC's route,
 * metadata as headers, the remaining time in `x-wharf-timeout-ms`, the deadline and cancellation
 * enforced here too, and problem+json turned back into the WharfError the handler threw.
 */
export class HttpClient {
  readonly #options: Required<HttpClientOptions>;
  readonly #targets = new Map<string, Target>();
  readonly #routes = new WeakMap<RpcRef, ClientRoute>();
  #closed = false;

  constructor(options: HttpClientOptions = {}) {
    this.#options = { ...DEFAULTS.client, ...options };
  }

  #target(address: string): Target {
    let target = this.#targets.get(address);
    if (target !== undefined) return target;
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new WharfError('UNAVAILABLE', `${JSON.stringify(address)} is not a valid http:// address`);
    }
    const o = this.#options;
    const existing = [...this.#targets.values()].find((t) => t.origin === url.origin);
    const pool =
      existing?.pool ??
      new Pool(url.origin, {
        connections: o.connections,
        keepAliveTimeout: o.keepAliveTimeoutMs,
        connectTimeout: o.connectTimeoutMs,
        pipelining: 1,
      });
    target = { origin: url.origin, base: url.pathname.replace(/\/+$/, ''), pool };
    this.#targets.set(address, target);
    return target;
  }

  /** Sends one RPC; resolves with its output (a stream for server streams) or rejects with a WharfError. */
  call(call: OutboundCall): Promise<unknown> {
    const ref = call.ref;
    if (this.#closed) return Promise.reject(new WharfError('UNAVAILABLE', 'The HTTP transport is closed; the app is stopping'));
    if (hasInputStream(ref.stream)) {
      return Promise.reject(
        new WharfError('UNIMPLEMENTED', `${ref.fullName} streams its input, which the HTTP transport does not carry; use gRPC`),
      );
    }
    let spec = this.#routes.get(ref);
    if (spec === undefined) {
      spec = clientRoute(ref);
      this.#routes.set(ref, spec);
    }
    let target: Target;
    let encoded: { path: string; body: string | undefined };
    try {
      target = this.#target(call.address);
      encoded = encode(ref, spec, call.input);
    } catch (error) {
      return Promise.reject(
        WharfError.is(error)
          ? error
          : new WharfError('INVALID_ARGUMENT', `Cannot send ${ref.fullName}: ${(error as Error).message}`),
      );
    }
    return this.#send(call, spec, target, encoded.path, encoded.body);
  }

  async #send(call: OutboundCall, spec: ClientRoute, target: Target, path: string, body: string | undefined): Promise<unknown> {
    const headers: Record<string, string> = { accept: spec.accept };
    headersFromMetadata(call.metadata, headers);
    if (body !== undefined) headers['content-type'] = 'application/json';

    const controller = new RequestAbort();
    let reason: WharfError | undefined;
    const abort = (error: WharfError) => {
      reason ??= error;
      controller.abort(error);
    };
    let timer: NodeJS.Timeout | undefined;
    if (call.deadline !== undefined) {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) throw new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded before ${call.ref.fullName} was sent`);
      const margin = this.#options.deadlineMarginMs;
      headers[MetadataKey.timeout] = String(Math.max(0, Math.floor(remaining - margin)));
      headers[DEADLINE_HEADER] = String(call.deadline - margin);
      // Node fires a delay above 2^31-1 ms (~25 days) after 1 ms instead: no timer is the truthful one.
      if (remaining <= MAX_TIMER_MS) {
        timer = setTimeout(
          () =>
            abort(
              new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded waiting for ${call.ref.fullName} from ${target.origin}`),
            ),
          remaining,
        );
      }
    }
    // DEADLINE_EXCEEDED when the caller stopped for its deadline (a handler's own, inherited).
    const unlink = call.onCancel((cause) => abort(stoppedCallError(cause, call.deadline, call.ref.fullName)));
    const release = () => {
      if (timer !== undefined) clearTimeout(timer);
      unlink();
    };

    try {
      if (reason !== undefined) throw reason;
      const response = await target.pool.request({
        path: target.base + path,
        method: spec.route.method,
        headers,
        body,
        // An EventEmitter-like signal, as undici allows (see request-abort.ts).
        signal: controller as unknown as EventEmitter,
        // The deadline timer governs when there is one; undici's own limits otherwise.
        ...(call.deadline === undefined ? {} : { headersTimeout: 0, bodyTimeout: 0 }),
      });
      const { statusCode, headers: answer, body: stream } = response;
      if (statusCode >= 200 && statusCode < 300) {
        if (spec.streams) {
          const lines = readNdjson(stream, this.#options.maxResponseBytes);
          return wrapStream(lines, {
            done: () => {
              release();
              discard(stream);
            },
            mapError: (error) => (WharfError.is(error) ? error : (reason ?? networkError(error, target.origin))),
          });
        }
        const text = await readText(stream, answer['content-length'], this.#options.maxResponseBytes);
        release();
        try {
          return text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new WharfError('UNKNOWN', `${target.origin} answered ${call.ref.fullName} with a body that is not JSON`);
        }
      }
      // The error body is read under the deadline too: a peer that sends headers and stalls must not hang us.
      const failure = await this.#failure(call.ref, target, statusCode, answer['content-type'], stream);
      release();
      throw failure;
    } catch (error) {
      release();
      if (reason !== undefined) throw reason;
      if (WharfError.is(error)) throw error;
      throw networkError(error, target.origin);
    }
  }

  async #failure(
    ref: RpcRef,
    target: Target,
    status: number,
    type: string | string[] | undefined,
    stream: ResponseBody,
  ): Promise<WharfError> {
    let text = '';
    try {
      text = await readText(stream, undefined, ERROR_BODY_LIMIT);
    } catch {
      // An oversized or broken error body: the status still says enough.
    }
    if (isJson(type)) {
      try {
        const problem: unknown = JSON.parse(text);
        if (isWharfProblem(problem) && (problem.details as { reason?: unknown } | undefined)?.reason === 'NO_ROUTE') {
          return new WharfError(
            'UNIMPLEMENTED',
            `${target.origin} has no route for ${ref.fullName} (${problem.detail}); it may run another version of ${ref.service}`,
          );
        }
        return errorFromProblem(problem, status);
      } catch {
        // Not JSON after all: fall through to the status.
      }
    }
    const snippet = text.trim().slice(0, 200);
    return new WharfError(
      codeFromHttpStatus(status),
      `${target.origin} answered ${ref.fullName} with HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`,
    );
  }

  /** Refuses new calls, waits for those in flight, and closes every connection; at once when `signal` aborts. */
  async close(signal: AbortSignal): Promise<void> {
    this.#closed = true;
    const pools = new Set([...this.#targets.values()].map((t) => t.pool));
    this.#targets.clear();
    const destroy = () => {
      for (const pool of pools) pool.destroy().catch(() => {});
    };
    signal.addEventListener('abort', destroy, { once: true });
    try {
      if (signal.aborted) destroy();
      await Promise.all([...pools].map((pool) => pool.close().catch(() => {})));
    } finally {
      signal.removeEventListener('abort', destroy);
    }
  }
}
