import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  acceptRequestId,
  type ErrorCode,
  hasInputStream,
  hasOutputStream,
  httpStatusOf,
  type InboundRequest,
  isAsyncIterable,
  type Logger,
  MetadataKey,
  type RpcEndpoint,
  type TransportHost,
  WharfError,
} from '@wharf/core/transport';
import { readJsonBody } from './body.js';
import { coercersOf, type FieldCoercer, objectShape } from './coerce.js';
import { onConnectionClose } from './connection-signal.js';
import { inboundDeadline } from './deadline.js';
import { metadataFromHeaders } from './headers.js';
import { lingerOnClose } from './linger.js';
import { HttpResponseChannel, sendJson, sendProblem } from './response.js';
import type { HttpRoute } from './route.js';
import { sendStream } from './stream-response.js';

/** Query values as find-my-way parses them: a string, or an array for a repeated key. */
export type Query = Readonly<Record<string, string | string[]>>;
export type Params = Readonly<Record<string, string | undefined>>;

/** A route's request handler. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Params, query: Query) => void;

/** What every RPC handler shares with the server. */
export interface RpcServerContext {
  readonly host: TransportHost;
  readonly logger: Logger;
  readonly bodyLimit: number;
  readonly defaultTimeoutMs: number | undefined;
  /** True while the server drains: answers ask the client to close the connection. */
  readonly draining: () => boolean;
  /** Reports a request refused before dispatch (to the app's transport observers). */
  readonly refused: (code: ErrorCode) => void;
}

// Keys that would reach Object.prototype if merged into a plain object; never merged.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(
  target: Record<string, unknown>,
  key: string,
  value: string | readonly string[],
  coercers: ReadonlyMap<string, FieldCoercer>,
): void {
  if (FORBIDDEN_KEYS.has(key)) return;
  const coerce = coercers.get(key);
  target[key] = coerce === undefined ? value : coerce(value);
}

function unimplemented(endpoint: RpcEndpoint): WharfError {
  return new WharfError(
    'UNIMPLEMENTED',
    `${endpoint.fullName} is a ${endpoint.stream}-streaming RPC, which the HTTP transport does not carry; call it over gRPC or the in-memory transport`,
  );
}

/**
 * The request handler of one RPC, built once at listen time: body reading, input assembly (body,
 * then query, then path parameters, strings coerced per the schema), metadata and deadline from
 * the headers, cancellation when the client goes away, and the response or problem.
 */
export function rpcHandler(endpoint: RpcEndpoint, route: HttpRoute, server: RpcServerContext): RouteHandler {
  const coercers = coercersOf(endpoint.input);
  const objectInput = objectShape(endpoint.input) !== undefined;
  const timeoutMs = endpoint.timeoutMs ?? server.defaultTimeoutMs;
  const streams = hasOutputStream(endpoint.stream);
  const unsupported = hasInputStream(endpoint.stream) ? unimplemented(endpoint) : undefined;
  const status = route.status;
  const params = route.params;
  const { host, logger, bodyLimit, draining, refused } = server;
  const notAnObject = `The request body must be a JSON object: the input of ${endpoint.fullName} is an object`;

  /** A handler's bug (a non-JSON output, a stream RPC without a stream): logged here, opaque to the caller. */
  const internal = (res: ServerResponse, requestId: string, why: string, error?: unknown): void => {
    logger.error({ err: error, requestId, rpc: endpoint.fullName }, `${endpoint.source} ${why}`);
    sendProblem(res, 500, new WharfError('INTERNAL', `Internal error (request id ${requestId})`), requestId, draining());
  };

  const respond = (
    res: ServerResponse,
    output: unknown,
    requestId: string,
    channel: HttpResponseChannel,
    deadline: number | undefined,
  ): void => {
    if (res.destroyed) {
      // The client left: end the stream nobody will read, so the handler stops and stops counting.
      if (streams && isAsyncIterable(output)) (output as Partial<AsyncIterator<unknown>>).return?.()?.catch(() => {});
      return;
    }
    if (streams) {
      if (!isAsyncIterable(output)) {
        internal(res, requestId, 'is a server stream but returned no stream');
        return;
      }
      sendStream(res, output, status, requestId, channel, draining, deadline).catch((error: unknown) => {
        logger.error({ err: error, requestId, rpc: endpoint.fullName }, 'Writing a stream failed');
        res.destroy();
      });
      return;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(output);
    } catch (error) {
      internal(res, requestId, 'returned an output that is not JSON', error);
      return;
    }
    sendJson(res, status, json ?? 'null', requestId, draining(), channel);
  };

  return (req, res, pathParams, query) => {
    const headers = req.headers;
    const requestId = acceptRequestId(headers[MetadataKey.requestId] as string | undefined);
    // From arrival, not from when the body was read: a slow upload spends the caller's time too.
    const deadline = inboundDeadline(headers, timeoutMs);
    if (unsupported !== undefined) {
      refused(unsupported.code);
      sendProblem(res, 501, unsupported, requestId, draining());
      return;
    }
    readJsonBody(req, bodyLimit, (refusal, body) => {
      if (refusal !== undefined) {
        refused(refusal.error.code);
        if (refusal.close) lingerOnClose(req.socket);
        sendProblem(res, refusal.status, refusal.error, requestId, refusal.close || draining());
        return;
      }
      let input: unknown = body;
      if (objectInput) {
        if (body !== undefined && !isPlainObject(body)) {
          refused('INVALID_ARGUMENT');
          sendProblem(res, 400, new WharfError('INVALID_ARGUMENT', notAnObject), requestId, draining());
          return;
        }
        const target: Record<string, unknown> = body ?? {};
        for (const key in query) merge(target, key, query[key] as string | string[], coercers);
        for (const name of params) {
          const value = pathParams[name];
          if (value !== undefined) merge(target, name, value, coercers);
        }
        input = target;
      }

      const channel = new HttpResponseChannel(res);
      const request: InboundRequest = {
        transport: 'http',
        metadata: metadataFromHeaders(headers, requestId),
        requestId, // sanitised above
        deadline,
        onCancel: onConnectionClose(req.socket),
        response: channel,
      };
      host.dispatch(endpoint, input, request).then(
        (output) => respond(res, output, requestId, channel, deadline),
        (error: WharfError) => {
          if (res.destroyed) return;
          channel.dropHeaders();
          sendProblem(res, httpStatusOf(error.code), error, requestId, draining());
        },
      );
    });
  };
}
