// The output stream of a server or bidi call: the handler's async iterable, written with
// backpressure and ended with the call's status.
import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import { WharfError } from '@wharf/core/transport';
import type { GrpcResponse } from './response.js';
import { encodeReply, failure, type Route, type Served } from './route.js';

type Writable = ServerWritableStream<Buffer, Buffer> | ServerDuplexStream<Buffer, Buffer>;

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

/**
 * Resolves when the reader drained what was written, the call ended, or core released the request
 * — an abort (deadline, drain cut-off) must be answered with its status even while the reader has
 * stopped reading: trailers are not held back by HTTP/2 flow control when no data is queued.
 */
function drained(call: Writable, response: GrpcResponse): Promise<void> {
  return new Promise((resolve) => {
    let stopWaiting = () => {};
    const done = () => {
      stopWaiting();
      call.off('drain', done);
      call.off('close', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
    call.on('cancelled', done);
    stopWaiting = response.onRelease(done);
  });
}

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
      const bytes = encodeReply(host, route, next.value);
      response.flushPending();
      if (!call.write(bytes)) await drained(call, response);
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

/** Writes the output stream `dispatched` resolves to, or its failure, as the call's replies and status. */
export function replyStream(
  host: Served,
  route: Route,
  call: Writable,
  response: GrpcResponse,
  dispatched: Promise<unknown>,
): void {
  dispatched.then(
    (output) => pump(host, route, call, output, response),
    (error: unknown) => {
      if (!call.cancelled) call.emit('error', failure(error, response));
    },
  );
}
