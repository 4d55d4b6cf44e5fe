import type { Call, ErrorCode } from '@wharf/core';
import { WharfError } from '@wharf/core';
import { isAsyncIterable } from '@wharf/core/transport';

/** A call's result code: `OK`, or one of the 16 Wharf error codes. */
export type ResultCode = 'OK' | ErrorCode;

/**
 * The code the caller was answered with. A server call aborted by its deadline or its caller was
 * answered at once with the abort reason, whatever the handler did after; anything that is not a
 * WharfError becomes INTERNAL, as the dispatcher turns it into INTERNAL.
 */
export function codeOf(call: Call, error: unknown): ResultCode {
  if (call.side === 'server' && call.abortReason !== undefined) return call.abortReason.code;
  if (error === undefined) return 'OK';
  return WharfError.is(error) ? error.code : 'INTERNAL';
}

/** The error the caller saw, for recording on a span; undefined on success. */
export function errorOf(call: Call, error: unknown): WharfError | undefined {
  if (call.side === 'server' && call.abortReason !== undefined) return call.abortReason;
  if (error === undefined) return undefined;
  return WharfError.is(error) ? error : new WharfError('INTERNAL', 'Internal error', undefined, { cause: error });
}

/**
 * Passes a stream through and calls `end` once when it ends: with no error when it completes, with
 * the error it failed with, or with CANCELLED when its reader stops early. A plain iterator, not a
 * generator, so `return()` before the first `next()` still ends it.
 */
export function observeStream<T>(source: AsyncIterable<T>, end: (error?: unknown) => void): AsyncIterableIterator<T> {
  let iterator: AsyncIterator<T> | undefined;
  let ended = false;
  const finish = (error?: unknown) => {
    if (ended) return;
    ended = true;
    end(error);
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      iterator ??= source[Symbol.asyncIterator]();
      try {
        const result = await iterator.next();
        if (result.done) finish();
        return result;
      } catch (error) {
        finish(error);
        throw error;
      }
    },
    async return(value?: unknown) {
      finish(new WharfError('CANCELLED', 'The reader stopped before the stream ended'));
      iterator ??= source[Symbol.asyncIterator]();
      return (await iterator.return?.(value as never)) ?? { done: true, value: value as T };
    },
  };
}

/**
 * Calls `end` once `result` is settled — or, when it resolves with a stream (`streams`), once the
 * stream ends — with the error it failed with, if any; passes the result through.
 */
export function whenDone(result: Promise<unknown>, streams: boolean, end: (error?: unknown) => void): Promise<unknown> {
  return result.then(
    (output) => {
      if (streams && isAsyncIterable(output)) return observeStream(output, end);
      end();
      return output;
    },
    (error: unknown) => {
      end(error ?? new Error('rejected without a reason'));
      throw error;
    },
  );
}

/**
 * `whenDone` for a call whose result is not a stream, without a step in the caller's chain: `end`
 * observes `result` from the side, and the caller gets `result` itself, one promise hop sooner.
 * Registered before the caller's own reaction, `end` still runs before the caller sees the answer.
 * What `end` throws is dropped: observing a call must never fail it or crash the process.
 */
export function observeDone(result: Promise<unknown>, streams: boolean, end: (error?: unknown) => void): Promise<unknown> {
  if (streams) return whenDone(result, true, end);
  result.then(
    () => ended(end, undefined),
    (error: unknown) => ended(end, error ?? new Error('rejected without a reason')),
  );
  return result;
}

function ended(end: (error?: unknown) => void, error: unknown): void {
  try {
    end(error);
  } catch {
    // A bug in an observer: the call's own answer stands.
  }
}
