// ctx.response for a gRPC call: headers become initial metadata (sent before the first message,
// or with the reply), trailers become trailing metadata (sent with the status, OK or not).
import { Metadata } from '@grpc/grpc-js';
import type { ResponseChannel } from '@wharf/core/transport';
import { addEntry } from './metadata.js';

interface HeaderSink {
  sendMetadata(metadata: Metadata): void;
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

  constructor(call: HeaderSink) {
    this.#call = call;
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

  /** The trailers to send with the status; ends the channel. */
  end(): Metadata | undefined {
    this.flushPending();
    this.#ended = true;
    this.onEnd?.();
    return this.#trailers;
  }
}
