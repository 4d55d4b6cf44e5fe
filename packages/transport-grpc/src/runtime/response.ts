// ctx.response for a gRPC call: headers become initial metadata (sent before the first message,
// or with the reply), trailers become trailing metadata (sent with the status, OK or not).
import { Metadata } from '@grpc/grpc-js';
import type { ResponseChannel } from '@wharf/core/transport';
import { addEntry } from './metadata.js';

/** What the response needs of grpc-js's call: sending headers, and the request's metadata. */
interface HeaderSink {
  sendMetadata(metadata: Metadata): void;
  readonly metadata: Metadata;
}

/** The response metadata of one call. */
export class GrpcResponse implements ResponseChannel {
  readonly #call: HeaderSink;
  #headers: Metadata | undefined;
  #trailers: Metadata | undefined;
  #sent = false;
  #ended = false;
  /** Runs when the call ends (the status is about to go out). */
  onEnd: (() => void) | undefined;
  #released = false;
  #wake: (() => void) | undefined;

  constructor(call: HeaderSink) {
    this.#call = call;
  }

  /** The request's metadata as grpc-js received it (for grpcMetadata(ctx): ctx.response is this object). */
  get requestMetadata(): Metadata {
    return this.#call.metadata;
  }

  header(key: string, value: string | Uint8Array): void {
    if (this.#sent) {
      throw new Error(`Cannot set response header "${key}": headers were already sent; set them before the first message`);
    }
    this.#headers ??= new Metadata();
    addEntry(this.#headers, key, value, 'Response header');
  }

  trailer(key: string, value: string | Uint8Array): void {
    if (this.#ended) throw new Error(`Cannot set response trailer "${key}": the call has ended`);
    this.#trailers ??= new Metadata();
    addEntry(this.#trailers, key, value, 'Response trailer');
  }

  flushHeaders(): void {
    if (this.#sent || this.#ended) return;
    this.#sent = true;
    this.#call.sendMetadata(this.#headers ?? new Metadata());
  }

  /** Sends the headers a handler set, if it did and they are not out yet (grpc-js sends empty ones itself). */
  flushPending(): void {
    if (this.#headers !== undefined) this.flushHeaders();
  }

  /**
   * Core is done with the request (it released it: ended, failed, or aborted by its deadline, its
   * caller or the drain cut-off). A stream writer waiting for the reader to drain wakes up, so that
   * an abort is answered with its status now, not when a stalled reader reads again.
   */
  release(): void {
    this.#released = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Calls `wake` once when the request is released (at once if it was); returns how to stop waiting. One waiter at a time. */
  onRelease(wake: () => void): () => void {
    if (this.#released) {
      wake();
      return () => {};
    }
    this.#wake = wake;
    return () => {
      if (this.#wake === wake) this.#wake = undefined;
    };
  }

  /** The trailers to send with the status; ends the channel. */
  end(): Metadata | undefined {
    this.flushPending();
    this.#ended = true;
    this.onEnd?.();
    return this.#trailers;
  }
}
