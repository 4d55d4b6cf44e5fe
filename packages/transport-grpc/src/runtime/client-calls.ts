// The four call shapes on the client side: each starts its grpc-js call, counts it in flight until
// it ends, cancels it with the caller's signal, and turns its status and replies into the result.
import type { CallOptions, Client, ClientDuplexStream, ClientReadableStream, Metadata, ServiceError } from '@grpc/grpc-js';
import type { IdleGate, OutboundCall } from '@wharf/core/transport';
import type { MethodWire } from '../schema/method-wire.js';
import { badReply, callError, inputError, startError } from './client-errors.js';
import { type CallState, notAStream, sendAll } from './client-input.js';

/** An outbound call with all it needs to start. */
export interface PreparedCall {
  readonly outbound: OutboundCall;
  readonly wire: MethodWire;
  readonly channel: Client;
  readonly metadata: Metadata;
  readonly options: CallOptions;
  /** Counts the call while it runs: the client closes its channels only once none is left. */
  readonly gate: IdleGate;
}

const passthrough = (value: Buffer): Buffer => value;

/**
 * Starts the call in the shape its RPC declares: the reply, or for a server or bidi stream the
 * replies. A single request is encoded before the call starts, so a bad one never reaches the wire.
 */
export function startCall(prepared: PreparedCall): Promise<unknown> {
  const { outbound, wire } = prepared;
  const stream = outbound.ref.stream;
  if (stream === 'client' || stream === 'bidi') {
    const invalid = notAStream(outbound);
    if (invalid !== undefined) return Promise.reject(invalid);
    return stream === 'client' ? clientStream(prepared) : bidi(prepared);
  }
  let request: Buffer;
  try {
    request = wire.request.encode(outbound.input);
  } catch (error) {
    return Promise.reject(inputError(outbound.ref, error));
  }
  return stream === 'server' ? serverStream(prepared, request) : unary(prepared, request);
}

function unary(prepared: PreparedCall, request: Buffer): Promise<unknown> {
  const { wire, channel, metadata, options } = prepared;
  const state: CallState = { stopped: false, failure: undefined };
  return singleReply(prepared, state, (callback) =>
    channel.makeUnaryRequest(wire.path, passthrough, passthrough, request, metadata, options, callback),
  );
}

function clientStream(prepared: PreparedCall): Promise<unknown> {
  const { outbound, wire, channel, metadata, options } = prepared;
  const state: CallState = { stopped: false, failure: undefined };
  return singleReply(
    prepared,
    state,
    (callback) => channel.makeClientStreamRequest(wire.path, passthrough, passthrough, metadata, options, callback),
    (call) => sendAll(outbound, wire, call, state),
  );
}

/** A call answered by one message (unary, client stream). */
function singleReply<C extends { cancel(): void }>(
  prepared: PreparedCall,
  state: CallState,
  start: (callback: (error: ServiceError | null, reply?: Buffer) => void) => C,
  started?: (call: C) => void,
): Promise<unknown> {
  const { outbound, wire } = prepared;
  return prepared.gate.track(
    new Promise((resolve, reject) => {
      let call: C;
      try {
        call = start((error, reply) => {
          state.stopped = true;
          detach();
          if (error) {
            reject(callError(outbound, error, state.failure));
            return;
          }
          try {
            resolve(wire.response.decode(reply as Buffer));
          } catch (error) {
            reject(badReply(wire, error));
          }
        });
      } catch (error) {
        reject(startError(outbound, error));
        return;
      }
      const detach = outbound.onCancel(() => call.cancel());
      started?.(call);
    }),
  );
}

function serverStream(prepared: PreparedCall, request: Buffer): Promise<unknown> {
  const { outbound, wire, channel, metadata, options } = prepared;
  let call: ClientReadableStream<Buffer>;
  try {
    call = channel.makeServerStreamRequest(wire.path, passthrough, passthrough, request, metadata, options);
  } catch (error) {
    return Promise.reject(startError(outbound, error));
  }
  return Promise.resolve(replies(prepared, call, { stopped: false, failure: undefined }));
}

function bidi(prepared: PreparedCall): Promise<unknown> {
  const { outbound, wire, channel, metadata, options } = prepared;
  let call: ClientDuplexStream<Buffer, Buffer>;
  try {
    call = channel.makeBidiStreamRequest(wire.path, passthrough, passthrough, metadata, options);
  } catch (error) {
    return Promise.reject(startError(outbound, error));
  }
  const state: CallState = { stopped: false, failure: undefined };
  const responses = replies(prepared, call, state);
  sendAll(outbound, wire, call, state);
  return Promise.resolve(responses);
}

/** The reply stream of a server or bidi call, as an AsyncIterable; returning early cancels the call. */
function replies(
  prepared: PreparedCall,
  call: ClientReadableStream<Buffer> | ClientDuplexStream<Buffer, Buffer>,
  state: CallState,
): AsyncIterableIterator<unknown> {
  const { outbound, wire, gate } = prepared;
  gate.enter();
  const detach = outbound.onCancel(() => call.cancel());
  // The status, the end of the replies and an early return each end the call; the first one counts.
  let finished = false;
  const finish = () => {
    state.stopped = true;
    if (finished) return;
    finished = true;
    detach();
    gate.leave();
  };
  // The iterator reports errors; this listener only keeps a late one from being unhandled.
  call.on('error', () => {});
  call.on('status', finish);
  const source = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: async () => {
      let next: IteratorResult<Buffer>;
      try {
        next = await source.next();
      } catch (error) {
        finish();
        throw callError(outbound, error as ServiceError, state.failure);
      }
      if (next.done) {
        finish();
        return { done: true, value: undefined };
      }
      try {
        return { done: false, value: wire.response.decode(next.value) };
      } catch (error) {
        state.failure = badReply(wire, error);
        call.cancel();
        finish();
        throw state.failure;
      }
    },
    return: async () => {
      if (!state.stopped) call.cancel();
      finish();
      return { done: true, value: undefined };
    },
  };
}
