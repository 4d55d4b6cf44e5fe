// The grpc-js handler of each call shape. Requests are decoded here (not in grpc-js's
// deserializer) so that a malformed message is INVALID_ARGUMENT rather than grpc-js's INTERNAL,
// and replies are encoded here so that a handler's bad output is a logged INTERNAL.
import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
  UntypedHandleCall,
} from '@grpc/grpc-js';
import {
  type InboundRequest,
  inboundDeadline,
  type Logger,
  MetadataKey,
  type RpcEndpoint,
  type TransportHost,
  toWharfError,
  WharfError,
} from '@wharf/core/transport';
import { EncodeError } from './codec.js';
import type { MessageCodec, MethodWire } from './generate.js';
import { fromGrpc } from './metadata.js';
import { GrpcResponse } from './response.js';
import { statusOf } from './status.js';

/** What the call handlers need from the app: its dispatch function and a logger. */
export interface Served {
  readonly dispatch: TransportHost['dispatch'];
  readonly logger: Logger;
}

/** A served method: its endpoint and its wire. */
export interface Route {
  readonly endpoint: RpcEndpoint;
  readonly wire: MethodWire;
}

type SurfaceCall = ServerUnaryCall<Buffer, Buffer> | ServerReadableStream<Buffer, Buffer>;

/**
 * The request as core sees it. Cancellation is a listener on grpc-js's `cancelled` event, not an
 * AbortSignal per call (~3.5 µs and most of this transport's overhead when it was one). grpc-js
 * emits `cancelled` after every call, even a completed one (it cleans up that way), so the
 * listener is removed when the request ends in core, and again when the reply goes out.
 * `timeoutMs` is the deadline of a caller that sends no `grpc-timeout` (undefined: none).
 */
function inbound(call: SurfaceCall, response: GrpcResponse, timeoutMs: number | undefined): InboundRequest {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const absolute = call.metadata.get(MetadataKey.deadline)[0];
  const now = Date.now();
  return {
    transport: 'grpc',
    metadata: fromGrpc(call.metadata),
    deadline: inboundDeadline(
      Number.isFinite(at) ? at - now : undefined,
      typeof absolute === 'string' ? absolute : undefined,
      timeoutMs,
      now,
    ),
    response,
    onCancel(cancel) {
      if (call.cancelled) {
        cancel();
        return () => {};
      }
      call.once('cancelled', cancel);
      const off = () => call.off('cancelled', cancel);
      response.onEnd = off;
      return off;
    },
  };
}

function invalidMessage(route: Route, error: unknown, index?: number): WharfError {
  const which = index === undefined ? 'The request' : `Request message ${index}`;
  return new WharfError('INVALID_ARGUMENT', `${which} is not a valid ${route.wire.path} message: ${(error as Error).message}`);
}

function decode(route: Route, bytes: Buffer, index?: number): unknown {
  try {
    return route.wire.request.decode(bytes);
  } catch (error) {
    throw invalidMessage(route, error, index);
  }
}

/** Encodes a reply; a handler output that does not fit its message is logged and answered INTERNAL. */
function encode(host: Served, route: Route, codec: MessageCodec, value: unknown): Buffer {
  try {
    return codec.encode(value);
  } catch (error) {
    const where = error instanceof EncodeError ? `${error.where}: ${error.message}` : String(error);
    host.logger.error(
      { method: route.endpoint.fullName, handler: route.endpoint.source, problem: where },
      `${route.endpoint.source} returned an output that does not fit its response message`,
    );
    throw new WharfError('INTERNAL', 'Internal error: the reply does not fit its message');
  }
}

/** The status for a failure, with the call's trailers. */
function failure(error: unknown, response: GrpcResponse): ReturnType<typeof statusOf> {
  return statusOf(toWharfError(error), response.end());
}

/** Sends the one reply message of a unary or client-stream call, or its failure, with the trailers. */
function reply(
  host: Served,
  route: Route,
  response: GrpcResponse,
  callback: sendUnaryData<Buffer>,
  dispatched: Promise<unknown>,
): void {
  dispatched.then(
    (output) => {
      let bytes: Buffer;
      try {
        bytes = encode(host, route, route.wire.response, output);
      } catch (error) {
        callback(failure(error, response));
        return;
      }
      callback(null, bytes, response.end() as Metadata);
    },
    (error: unknown) => callback(failure(error, response)),
  );
}

function unary(host: Served, route: Route, timeoutMs: number | undefined): handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const response = new GrpcResponse(call);
    let input: unknown;
    try {
      input = decode(route, call.request);
    } catch (error) {
      callback(failure(error, response));
      return;
    }
    reply(host, route, response, callback, host.dispatch(route.endpoint, input, inbound(call, response, timeoutMs)));
  };
}

/**
 * How long the end of a client's input stream is held back, waiting for a cancellation, before
 * the handler sees it. A Node.js HTTP/2 client (grpc-js, so every Wharf caller) that cancels a call
 * sends END_STREAM and then RST_STREAM: grpc-js reports the half-close first and the cancellation
 * an I/O turn later (~1 ms on one host). Taken at face value, the handler's `for await` over its
 * input would end normally and it would commit partial input of a call that was cancelled.
 */
const HALF_CLOSE_GRACE_MS = 2;

/**
 * Resolves true when `call` is cancelled within the grace time, false otherwise. The check runs
 * after the timer and one more I/O poll (setImmediate), so a RST_STREAM that arrived in the
 * meantime is seen even when the event loop was too busy for the timer to fire on time.
 */
function cancelledSoon(call: ServerReadableStream<Buffer, Buffer>): Promise<boolean> {
  if (call.cancelled) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = () => {
      clearTimeout(timer);
      call.off('cancelled', settle);
      resolve(call.cancelled);
    };
    call.on('cancelled', settle);
    const timer = setTimeout(() => setImmediate(settle), HALF_CLOSE_GRACE_MS);
  });
}

function cancelledInput(route: Route): WharfError {
  return new WharfError('CANCELLED', `The caller cancelled ${route.endpoint.fullName} before its input stream ended`);
}

/**
 * The request messages of a client or bidi stream, decoded one by one as the handler pulls them.
 * A cancelled call's input fails with CANCELLED, never ends cleanly (see HALF_CLOSE_GRACE_MS).
 */
async function* requests(route: Route, call: ServerReadableStream<Buffer, Buffer>): AsyncGenerator<unknown, void, undefined> {
  let index = 0;
  const source = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
  while (true) {
    let next: IteratorResult<Buffer>;
    try {
      next = await source.next();
    } catch {
      // grpc-js destroys the stream when the call is cancelled (RST_STREAM, connection lost).
      throw cancelledInput(route);
    }
    if (next.done) {
      if (await cancelledSoon(call)) throw cancelledInput(route);
      return;
    }
    index++;
    yield decode(route, next.value, index);
  }
}

/** The iterator of a handler's output stream; a handler that returned no stream is a logged INTERNAL. */
function streamOf(host: Served, route: Route, output: unknown): AsyncIterator<unknown> {
  const stream = output as Partial<AsyncIterable<unknown>> | null | undefined;
  if (typeof stream?.[Symbol.asyncIterator] !== 'function') {
    host.logger.error(
      { method: route.endpoint.fullName, handler: route.endpoint.source },
      `${route.endpoint.source} returned no async iterable for its ${route.endpoint.stream} stream; write it as an async generator`,
    );
    throw new WharfError('INTERNAL', 'Internal error: the handler returned no stream');
  }
  return (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

type Writable = ServerWritableStream<Buffer, Buffer> | ServerDuplexStream<Buffer, Buffer>;

function drained(call: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
    call.on('cancelled', done);
  });
}

/** Writes a handler's output stream with backpressure, then ends the call with its status. */
async function pump(host: Served, route: Route, call: Writable, output: unknown, response: GrpcResponse): Promise<void> {
  let iterator: AsyncIterator<unknown>;
  try {
    iterator = streamOf(host, route, output);
  } catch (error) {
    if (!call.cancelled) call.emit('error', failure(error, response));
    return;
  }
  const stop = () => {
    iterator.return?.()?.catch(() => {});
  };
  call.once('cancelled', stop);
  try {
    while (!call.cancelled) {
      const next = await iterator.next();
      if (next.done || call.cancelled) break;
      const bytes = encode(host, route, route.wire.response, next.value);
      response.flushPending();
      if (!call.write(bytes)) await drained(call);
    }
  } catch (error) {
    call.off('cancelled', stop);
    stop();
    if (!call.cancelled) call.emit('error', failure(error, response));
    return;
  }
  call.off('cancelled', stop);
  if (!call.cancelled) call.end(response.end());
}

function serverStream(host: Served, route: Route, timeoutMs: number | undefined): handleServerStreamingCall<Buffer, Buffer> {
  return (call) => {
    const response = new GrpcResponse(call);
    let input: unknown;
    try {
      input = decode(route, call.request);
    } catch (error) {
      call.emit('error', failure(error, response));
      return;
    }
    host.dispatch(route.endpoint, input, inbound(call, response, timeoutMs)).then(
      (output) => pump(host, route, call, output, response),
      (error: unknown) => {
        if (!call.cancelled) call.emit('error', failure(error, response));
      },
    );
  };
}

function clientStream(host: Served, route: Route, timeoutMs: number | undefined): handleClientStreamingCall<Buffer, Buffer> {
  return (call, callback) => {
    const response = new GrpcResponse(call);
    reply(
      host,
      route,
      response,
      callback,
      host.dispatch(route.endpoint, requests(route, call), inbound(call, response, timeoutMs)),
    );
  };
}

function bidiStream(host: Served, route: Route, timeoutMs: number | undefined): handleBidiStreamingCall<Buffer, Buffer> {
  return (call) => {
    const response = new GrpcResponse(call);
    host.dispatch(route.endpoint, requests(route, call), inbound(call, response, timeoutMs)).then(
      (output) => pump(host, route, call, output, response),
      (error: unknown) => {
        if (!call.cancelled) call.emit('error', failure(error, response));
      },
    );
  };
}

/**
 * The grpc-js handler for a route, by its stream kind. A caller that sends no deadline gets the
 * RPC's `timeoutMs`, else `defaultTimeoutMs` (undefined: none).
 */
export function handlerFor(host: Served, route: Route, defaultTimeoutMs: number | undefined): UntypedHandleCall {
  const timeoutMs = route.endpoint.timeoutMs ?? defaultTimeoutMs;
  switch (route.endpoint.stream) {
    case 'server':
      return serverStream(host, route, timeoutMs);
    case 'client':
      return clientStream(host, route, timeoutMs);
    case 'bidi':
      return bidiStream(host, route, timeoutMs);
    default:
      return unary(host, route, timeoutMs);
  }
}
