// The client half: one grpc-js channel per address, reused by every call to it; each RpcRef's
// wire (path and codecs) compiled once and cached.
import {
  type CallOptions,
  Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  credentials,
  type Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { DeclarationError } from '@wharf/core';
import { MetadataKey, type OutboundCall, type RpcRef, WharfError } from '@wharf/core/transport';
import { EncodeError } from './codec.js';
import { compileService, isBound, type MethodWire } from './generate.js';
import { toGrpc } from './metadata.js';
import { clientChannelOptions, type GrpcTransportOptions } from './options.js';
import { bindMethods, loadProto } from './proto-binding.js';
import { errorOf } from './status.js';

const passthrough = (value: Buffer): Buffer => value;

/** Per-call state shared by the input pump and the result. */
interface CallState {
  /** The call has ended (status received) or was cancelled: stop sending. */
  stopped: boolean;
  /** Why the client itself gave up (an input that failed); reported instead of CANCELLED. */
  failure: WharfError | undefined;
}

function inputError(ref: RpcRef, error: unknown, index?: number): WharfError {
  if (WharfError.is(error)) return error;
  if (error instanceof EncodeError) {
    const at = index === undefined ? error.where : `[${index}]${error.where === '(root)' ? '' : `.${error.where}`}`;
    return new WharfError('INVALID_ARGUMENT', `Invalid input for ${ref.fullName}: ${at}: ${error.message}`, {
      fieldViolations: [{ field: at, description: error.message, code: 'invalid_type' }],
    });
  }
  return new WharfError(
    'CANCELLED',
    `The input stream of ${ref.fullName} failed: ${(error as Error)?.message ?? String(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}

/** The gRPC target (`host:port`) of a `grpc://host:port` address. */
function targetOf(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new WharfError('UNAVAILABLE', `"${address}" is not a gRPC address; expected grpc://host:port`);
  }
  if (url.protocol !== 'grpc:' || url.hostname === '' || url.port === '') {
    throw new WharfError('UNAVAILABLE', `"${address}" is not a gRPC address; expected grpc://host:port`);
  }
  return `${url.hostname}:${url.port}`;
}

/** The client half of the gRPC transport. */
export class GrpcClient {
  readonly #options: GrpcTransportOptions;
  readonly #channels = new Map<string, Client>();
  readonly #wires = new WeakMap<RpcRef, MethodWire | WharfError>();
  #inFlight = 0;
  #idle: (() => void) | undefined;
  #closing = false;
  #closed = false;

  constructor(options: GrpcTransportOptions) {
    this.#options = options;
  }

  #wire(ref: RpcRef): MethodWire {
    let wire = this.#wires.get(ref);
    if (wire === undefined) {
      try {
        if (isBound(ref)) {
          const proto = loadProto(ref.grpc?.proto as NonNullable<NonNullable<RpcRef['grpc']>['proto']>, ref.fullName);
          wire = bindMethods(proto, [ref], 'grpc')[0] as MethodWire;
        } else {
          wire = compileService({ name: ref.service, major: ref.major, rpcs: [ref] })?.methods[0];
        }
      } catch (error) {
        const why = error instanceof DeclarationError ? error.problems.join('; ') : (error as Error).message;
        wire = new WharfError('UNIMPLEMENTED', `${ref.fullName} cannot be called over gRPC: ${why}`);
      }
      wire ??= new WharfError('UNIMPLEMENTED', `${ref.fullName} cannot be called over gRPC`);
      this.#wires.set(ref, wire);
    }
    if (WharfError.is(wire)) throw wire;
    return wire;
  }

  #channel(address: string): Client {
    let channel = this.#channels.get(address);
    if (channel === undefined) {
      const creds = this.#options.channelCredentials ?? credentials.createInsecure();
      channel = new Client(targetOf(address), creds, clientChannelOptions(this.#options));
      this.#channels.set(address, channel);
    }
    return channel;
  }

  call(outbound: OutboundCall): Promise<unknown> {
    if (this.#closed || (this.#closing && outbound.parent === undefined)) {
      return Promise.reject(new WharfError('UNAVAILABLE', `The gRPC transport is closed; cannot call ${outbound.ref.fullName}`));
    }
    let wire: MethodWire;
    let channel: Client;
    let metadata: Metadata;
    try {
      wire = this.#wire(outbound.ref);
      channel = this.#channel(outbound.address);
      metadata = toGrpc(outbound.metadata);
      // grpc-timeout carries the remaining time; the absolute deadline beside it lets the callee
      // tighten its own to ours when the clocks agree (core's inboundDeadline).
      if (outbound.deadline !== undefined) metadata.set(MetadataKey.deadline, String(outbound.deadline));
    } catch (error) {
      if (WharfError.is(error)) return Promise.reject(error);
      return Promise.reject(new WharfError('INVALID_ARGUMENT', (error as Error).message));
    }
    const stream = outbound.ref.stream;
    if ((stream === 'client' || stream === 'bidi') && !isIterable(outbound.input)) {
      return Promise.reject(
        new WharfError(
          'INVALID_ARGUMENT',
          `The input of ${outbound.ref.fullName} is a ${stream} stream: pass an AsyncIterable or an Iterable of messages (an async generator or an array); got ${describe(outbound.input)}`,
        ),
      );
    }
    const options: CallOptions = { deadline: outbound.deadline ?? Number.POSITIVE_INFINITY };
    const state: CallState = { stopped: false, failure: undefined };
    switch (outbound.ref.stream) {
      case 'server':
        return this.#serverStream(outbound, wire, channel, metadata, options, state);
      case 'client':
        return this.#clientStream(outbound, wire, channel, metadata, options, state);
      case 'bidi':
        return this.#bidi(outbound, wire, channel, metadata, options, state);
      default:
        return this.#unary(outbound, wire, channel, metadata, options);
    }
  }

  /** Counts a call in flight until `done` is called (once). */
  #track(): () => void {
    this.#inFlight++;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      this.#inFlight--;
      if (this.#inFlight === 0) this.#idle?.();
    };
  }

  /** The error a finished call reports: the status, or why the client itself stopped it. */
  #errorOf(outbound: OutboundCall, error: ServiceError, state?: CallState): WharfError {
    if (state?.failure !== undefined) return state.failure;
    if (error.code === status.CANCELLED && outbound.signal?.aborted) {
      return new WharfError('CANCELLED', `The call to ${outbound.ref.fullName} was cancelled`);
    }
    if (typeof error?.code !== 'number') {
      // Not a status (grpc-js reports every failure as one, but a stream error could slip through).
      const why = (error as Error | undefined)?.message ?? String(error);
      return new WharfError('UNKNOWN', `The call to ${outbound.ref.fullName} failed: ${why}`, undefined, { cause: error });
    }
    return errorOf(error);
  }

  #unary(outbound: OutboundCall, wire: MethodWire, channel: Client, metadata: Metadata, options: CallOptions): Promise<unknown> {
    let bytes: Buffer;
    try {
      bytes = wire.request.encode(outbound.input);
    } catch (error) {
      return Promise.reject(inputError(outbound.ref, error));
    }
    const state: CallState = { stopped: false, failure: undefined };
    return this.#singleReply(outbound, wire, state, (callback) =>
      channel.makeUnaryRequest(wire.path, passthrough, passthrough, bytes, metadata, options, callback),
    );
  }

  #clientStream(
    outbound: OutboundCall,
    wire: MethodWire,
    channel: Client,
    metadata: Metadata,
    options: CallOptions,
    state: CallState,
  ): Promise<unknown> {
    return this.#singleReply(
      outbound,
      wire,
      state,
      (callback) => channel.makeClientStreamRequest(wire.path, passthrough, passthrough, metadata, options, callback),
      (call) => sendAll(outbound, wire, call, state),
    );
  }

  /**
   * A call answered by one message (unary, client stream): counted in flight until it settles,
   * cancelled with the caller's signal, its status or reply turned into the caller's result.
   */
  #singleReply<C extends { cancel(): void }>(
    outbound: OutboundCall,
    wire: MethodWire,
    state: CallState,
    start: (callback: (error: ServiceError | null, reply?: Buffer) => void) => C,
    started?: (call: C) => void,
  ): Promise<unknown> {
    const done = this.#track();
    return new Promise((resolve, reject) => {
      let call: C;
      try {
        call = start((error, reply) => {
          state.stopped = true;
          detach();
          done();
          if (error) reject(this.#errorOf(outbound, error, state));
          else decodeReply(wire, reply as Buffer, resolve, reject);
        });
      } catch (error) {
        done();
        reject(startError(outbound, error));
        return;
      }
      const detach = cancelOnAbort(outbound.signal, call);
      started?.(call);
    });
  }

  #serverStream(
    outbound: OutboundCall,
    wire: MethodWire,
    channel: Client,
    metadata: Metadata,
    options: CallOptions,
    state: CallState,
  ): Promise<unknown> {
    let bytes: Buffer;
    try {
      bytes = wire.request.encode(outbound.input);
    } catch (error) {
      return Promise.reject(inputError(outbound.ref, error));
    }
    let call: ClientReadableStream<Buffer>;
    try {
      call = channel.makeServerStreamRequest(wire.path, passthrough, passthrough, bytes, metadata, options);
    } catch (error) {
      return Promise.reject(startError(outbound, error));
    }
    return Promise.resolve(this.#responses(outbound, wire, call, state));
  }

  #bidi(
    outbound: OutboundCall,
    wire: MethodWire,
    channel: Client,
    metadata: Metadata,
    options: CallOptions,
    state: CallState,
  ): Promise<unknown> {
    let call: ClientDuplexStream<Buffer, Buffer>;
    try {
      call = channel.makeBidiStreamRequest(wire.path, passthrough, passthrough, metadata, options);
    } catch (error) {
      return Promise.reject(startError(outbound, error));
    }
    const responses = this.#responses(outbound, wire, call, state);
    sendAll(outbound, wire, call, state);
    return Promise.resolve(responses);
  }

  /** The reply stream of a server or bidi call, as an AsyncIterable; returning early cancels the call. */
  #responses(
    outbound: OutboundCall,
    wire: MethodWire,
    call: ClientReadableStream<Buffer> | ClientDuplexStream<Buffer, Buffer>,
    state: CallState,
  ): AsyncIterableIterator<unknown> {
    const done = this.#track();
    const detach = cancelOnAbort(outbound.signal, call);
    const finish = () => {
      state.stopped = true;
      detach();
      done();
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
          throw this.#errorOf(outbound, error as ServiceError, state);
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

  /** Stops new top-level calls, waits for calls in flight (until `signal`), then closes every channel. */
  async close(signal: AbortSignal): Promise<void> {
    this.#closing = true;
    if (this.#inFlight > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    this.#closed = true;
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }
}

function badReply(wire: MethodWire, error: unknown): WharfError {
  return new WharfError('INTERNAL', `The reply of ${wire.path} is not a valid message: ${(error as Error).message}`);
}

function decodeReply(wire: MethodWire, reply: Buffer, resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  try {
    resolve(wire.response.decode(reply));
  } catch (error) {
    reject(badReply(wire, error));
  }
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
function sendAll(outbound: OutboundCall, wire: MethodWire, call: ClientWritableStream<Buffer>, state: CallState): void {
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

/** Whether `value` can be a client or bidi stream's input: an AsyncIterable or an Iterable. */
function isIterable(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const v = value as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  return typeof v[Symbol.asyncIterator] === 'function' || typeof v[Symbol.iterator] === 'function';
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? 'an object that is not iterable' : `a ${typeof value}`;
}

/** grpc-js refused to start a call (e.g. its channel is shut down). */
function startError(outbound: OutboundCall, error: unknown): WharfError {
  return new WharfError(
    'UNAVAILABLE',
    `Cannot start the gRPC call to ${outbound.ref.fullName}: ${(error as Error)?.message ?? String(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => iterator.next(),
    return: async (value?: unknown) => iterator.return?.(value) ?? { done: true, value: undefined as T },
  };
}

/** Cancels `call` when `signal` aborts (at once if it already has); returns how to stop listening. */
function cancelOnAbort(signal: AbortSignal | undefined, call: { cancel(): void }): () => void {
  if (signal === undefined) return () => {};
  const cancel = () => call.cancel();
  if (signal.aborted) {
    cancel();
    return () => {};
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}
