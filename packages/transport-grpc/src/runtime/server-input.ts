// The input stream of a client or bidi call, as its handler reads it.
import type { ServerReadableStream } from '@grpc/grpc-js';
import { WharfError } from '@wharf/core/transport';
import { decodeRequest, type Route } from './route.js';

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
export async function* requests(
  route: Route,
  call: ServerReadableStream<Buffer, Buffer>,
): AsyncGenerator<unknown, void, undefined> {
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
    yield decodeRequest(route, next.value, index);
  }
}
