/** True for anything with `Symbol.asyncIterator`. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Iterates a sync or async iterable as an async one. */
export async function* fromIterable<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T, void, undefined> {
  yield* source;
}

/** Maps every element of a stream. */
export async function* mapStream<T, U>(source: AsyncIterable<T>, map: (value: T) => U): AsyncGenerator<U, void, undefined> {
  for await (const value of source) yield map(value);
}

/**
 * A stream that awaits `promise` on first use: lets a call that resolves asynchronously to a
 * stream be returned synchronously as an AsyncIterable.
 */
export function lazyStream<T>(promise: Promise<AsyncIterable<T>>): AsyncIterable<T> {
  // Without a handler, a rejection before the first `next()` would be reported as unhandled.
  promise.catch(() => {});
  return {
    async *[Symbol.asyncIterator]() {
      yield* await promise;
    },
  };
}

/** Something that can be aborted once, with listeners: a server call. */
export interface Abortable {
  /** Calls `listener` with the reason when aborted (at once if already aborted); returns an unsubscribe. */
  onAbort(listener: (reason: Error) => void): () => void;
}

/** What `wrapStream` adds to a stream. */
export interface StreamHooks {
  /**
   * Fail the stream with the abort reason as soon as this aborts: a pending read rejects with it,
   * and so does every later one, even if nobody was reading when it aborted. The source is returned
   * (its `finally` runs) and `done` runs at once. A deadline or cancellation never looks like a
   * clean end of the stream.
   */
  readonly abortable?: Abortable;
  /** Runs exactly once, however the stream ends: completed, failed, returned, or returned before its start. */
  readonly done: () => void;
  /** Maps an error the source throws before it reaches the consumer. */
  readonly mapError?: (error: unknown) => unknown;
}

/**
 * Passes `source` through with `hooks`. Written as a plain iterator, not a generator: a generator
 * returned before its first `next()` never runs its `finally`, which would leak in-flight counts.
 */
export function wrapStream<T>(source: AsyncIterable<T>, hooks: StreamHooks): AsyncIterableIterator<T> {
  let iterator: AsyncIterator<T> | undefined;
  let finished = false;
  let aborted: Error | undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    hooks.done();
  };
  // Reading on after an abort must not say `done`: a reader that paused past the deadline would
  // take a cut stream for a complete one (and a gRPC server would end it with OK).
  hooks.abortable?.onAbort((reason) => {
    if (finished) return;
    aborted = reason;
    finish();
    iterator ??= source[Symbol.asyncIterator]();
    iterator.return?.()?.catch(() => {});
  });
  const pull = (it: AsyncIterator<T>): Promise<IteratorResult<T>> => {
    const abortable = hooks.abortable;
    if (abortable === undefined) return it.next();
    return new Promise((resolve, reject) => {
      const off = abortable.onAbort(reject);
      it.next().then(
        (result) => {
          off();
          resolve(result);
        },
        (error: unknown) => {
          off();
          reject(error);
        },
      );
    });
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (aborted !== undefined) throw hooks.mapError ? hooks.mapError(aborted) : aborted;
      if (finished) return { done: true, value: undefined };
      iterator ??= source[Symbol.asyncIterator]();
      try {
        const result = await pull(iterator);
        if (result.done) finish();
        return result;
      } catch (error) {
        finish();
        // Let the source clean up, without letting it block the consumer or mask the error.
        iterator.return?.()?.catch(() => {});
        throw hooks.mapError ? hooks.mapError(error) : error;
      }
    },
    async return(value?: unknown) {
      const wasRunning = !finished;
      finish();
      // Not awaited: a source busy in a slow await would otherwise hold up the consumer's cancel.
      if (wasRunning) iterator?.return?.()?.catch(() => {});
      return { done: true, value: value as T };
    },
  };
}
