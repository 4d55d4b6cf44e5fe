import type { ServerResponse } from 'node:http';
import { httpStatusOf, MAX_TIMER_MS, toWharfError } from '@wharf/core/transport';
import { type HttpResponseChannel, NDJSON_CONTENT_TYPE, problemJson, REQUEST_ID_HEADER, sendProblem } from './response.js';

/** Resolves when the socket drains or closes, or when the deadline passes (a reader that stalls). */
function drained(res: ServerResponse, deadline: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const remaining = deadline === undefined ? MAX_TIMER_MS + 1 : deadline - Date.now();
    const timer = remaining <= MAX_TIMER_MS ? setTimeout(() => done(), Math.max(0, remaining)) : undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** How one stream response is written. */
export interface StreamResponse {
  /** The success status. */
  readonly status: number;
  readonly requestId: string;
  readonly channel: HttpResponseChannel;
  /** True when the connection must close after the response (draining). */
  readonly close: () => boolean;
  readonly deadline: number | undefined;
  /** A HEAD request: the status and headers of the first message, then nothing. */
  readonly head: boolean;
}

/**
 * Writes a server stream as NDJSON: one JSON message per line. The status is decided by the first
 * message: a stream that fails before it answers with a plain problem+json error and its status; a
 * failure after it ends the stream with one problem line. Honours backpressure, and stops the
 * handler's stream when the client goes away or stops reading past the deadline.
 */
export async function sendStream(res: ServerResponse, stream: AsyncIterable<unknown>, how: StreamResponse): Promise<void> {
  const { status, requestId, channel, close, deadline } = how;
  const iterator = stream[Symbol.asyncIterator]();
  let gone = false;
  res.once('close', () => {
    if (res.writableFinished) return;
    gone = true;
    iterator.return?.()?.catch(() => {});
  });
  const writeHead = () => {
    if (res.headersSent || gone) return;
    res.statusCode = status;
    res.setHeader('content-type', NDJSON_CONTENT_TYPE);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.setHeader('cache-control', 'no-store');
    // Tell buffering proxies (nginx) to pass each line on at once.
    res.setHeader('x-accel-buffering', 'no');
    if (close()) res.setHeader('connection', 'close');
    res.flushHeaders();
  };
  channel.onFlush = writeHead;

  let result: IteratorResult<unknown>;
  try {
    result = await iterator.next();
  } catch (error) {
    const wharf = toWharfError(error);
    if (!gone && !res.headersSent) sendProblem(res, httpStatusOf(wharf.code), wharf, requestId, close());
    else if (!gone) endWith(res, `${problemJson(wharf, httpStatusOf(wharf.code), requestId)}\n`, channel);
    return;
  }
  writeHead();
  if (how.head) {
    iterator.return?.()?.catch(() => {});
    if (!gone) endWith(res, undefined, channel);
    return;
  }
  try {
    while (!result.done && !gone) {
      if (!res.write(`${JSON.stringify(result.value)}\n`)) {
        await drained(res, deadline);
        if (!gone && deadline !== undefined && Date.now() >= deadline) {
          // The reader stalled past the deadline: nothing more can be said; free the socket and the handler.
          res.destroy();
          gone = true;
          iterator.return?.()?.catch(() => {});
        }
      }
      if (gone) break;
      result = await iterator.next();
    }
    if (!gone) endWith(res, undefined, channel);
  } catch (error) {
    if (gone) return;
    const wharf = toWharfError(error, `Internal error (request id ${requestId})`);
    endWith(res, `${problemJson(wharf, httpStatusOf(wharf.code), requestId)}\n`, channel);
    // A message that failed to serialise leaves the handler's stream open: close it.
    iterator.return?.()?.catch(() => {});
  }
}

function endWith(res: ServerResponse, line: string | undefined, channel: HttpResponseChannel): void {
  const trailers = channel.trailers;
  if (trailers !== undefined) res.addTrailers(trailers);
  if (line === undefined) res.end();
  else res.end(line);
}
