// The input stream of a client or bidi call: the caller's (async) iterable, sent with backpressure.
import type { ClientWritableStream } from '@grpc/grpc-js';
import { type OutboundCall, WharfError } from '@wharf/core/transport';
import type { MethodWire } from '../schema/method-wire.js';
import { inputError } from './client-errors.js';

/** Per-call state shared by the input pump and the result. */
export interface CallState {
  /** The call has ended (status received) or was cancelled: stop sending. */
  stopped: boolean;
  /** Why the client itself gave up (an input that failed); reported instead of CANCELLED. */
  failure: WharfError | undefined;
}

/** Why the input of a client or bidi call cannot be sent as a stream; undefined when it can. */
export function notAStream(outbound: OutboundCall): WharfError | undefined {
  const input: unknown = outbound.input;
  if (input !== null && (typeof input === 'object' || typeof input === 'function')) {
    const v = input as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
    if (typeof v[Symbol.asyncIterator] === 'function' || typeof v[Symbol.iterator] === 'function') return undefined;
  }
  const got =
    input === null || input === undefined
      ? String(input)
      : typeof input === 'object'
        ? 'an object that is not iterable'
        : `a ${typeof input}`;
  return new WharfError(
    'INVALID_ARGUMENT',
    `The input of ${outbound.ref.fullName} is a ${outbound.ref.stream} stream: pass an AsyncIterable or an Iterable of messages (an async generator or an array); got ${got}`,
  );
}

function iteratorOf(input: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterator<unknown> {
  const async = Symbol.asyncIterator in input;
  const iterator = async
    ? (input as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (input as Iterable<unknown>)[Symbol.iterator]();
  if (iterator === null || typeof iterator !== 'object' || typeof iterator.next !== 'function') {
    throw new TypeError('its iterator method returned no iterator');
  }
  return async ? (iterator as AsyncIterator<unknown>) : toAsync(iterator as Iterator<unknown>);
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => iterator.next(),
    return: async (value?: unknown) => iterator.return?.(value) ?? { done: true, value: undefined as T },
  };
}

function drained(call: ClientWritableStream<Buffer>, state: CallState): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('status', done);
      resolve();
    };
    call.on('drain', done);
    call.on('status', done);
    if (state.stopped) done();
  });
}

/**
 * Sends the caller's input stream with backpressure, then half-closes; stops when the call ends.
 * An input that fails (its iterator cannot be had, a message that cannot be encoded, an iterator
 * that throws) cancels the call, which then fails with that reason as a WharfError.
 */
export function sendAll(outbound: OutboundCall, wire: MethodWire, call: ClientWritableStream<Buffer>, state: CallState): void {
  let iterator: AsyncIterator<unknown> | undefined;
  let index = 0;
  const fail = (error: unknown) => {
    if (state.stopped) return;
    state.failure = inputError(outbound.ref, error, index);
    iterator?.return?.()?.catch(() => {});
    call.cancel();
  };
  // Once the call has a status nothing more can be sent: stop pulling the caller's input.
  call.on('status', () => {
    state.stopped = true;
    iterator?.return?.()?.catch(() => {});
  });
  try {
    iterator = iteratorOf(outbound.input as AsyncIterable<unknown> | Iterable<unknown>);
  } catch (error) {
    fail(error);
    return;
  }
  const source = iterator;
  const run = async () => {
    try {
      while (!state.stopped) {
        const next = await source.next();
        if (next.done || state.stopped) break;
        const bytes = wire.request.encode(next.value);
        index++;
        if (!call.write(bytes)) await drained(call, state);
      }
      if (!state.stopped) call.end();
    } catch (error) {
      fail(error);
    }
  };
  run();
}
