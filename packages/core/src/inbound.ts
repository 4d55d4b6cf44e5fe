import type { Metadata } from './metadata.js';

/**
 * Response metadata a handler may set through `ctx.response`. Each transport maps it onto its
 * carrier: HTTP response headers, gRPC initial/trailing metadata, AMQP reply headers.
 */
export interface ResponseChannel {
  /** Sets a header; keys ending in `-bin` carry bytes (gRPC binary metadata). */
  header(key: string, value: string | Uint8Array): void;
  /** Sets a trailer (sent after the last message where the transport has trailers). */
  trailer(key: string, value: string | Uint8Array): void;
  /** Sends the headers now, before the first message of a stream. */
  flushHeaders(): void;
}

/** What the event bus tells a subscriber about the event it delivers. */
export interface EventInfo {
  /** The event's id, stable across redeliveries: the key for deduplication. */
  readonly id: string;
  readonly name: string;
  /** The emitting service or app. */
  readonly emitter?: string;
  /** When it was emitted (epoch ms). */
  readonly timestamp?: number;
  /** 1 on first delivery, then 2, 3, … on retries. */
  readonly attempt: number;
}

/** One inbound request or event, as a server transport hands it to `dispatch`. */
export interface InboundRequest {
  /** The transport's name (`http`, `grpc`, …), visible to handlers as `ctx.transport`. */
  readonly transport: string;
  readonly metadata: Metadata;
  /**
   * The request id, when the transport can vouch for it (an in-process caller generated it).
   * Otherwise the dispatcher takes `metadata['x-request-id']` if it is a sane token, or makes one.
   */
  readonly requestId?: string;
  /** Absolute deadline (epoch ms), from the caller's remaining time. */
  readonly deadline?: number;
  /** Aborts when the caller goes away (socket closed, call cancelled). */
  readonly signal?: AbortSignal;
  /**
   * The cheaper alternative to `signal`: registers `cancel`, to be called when the caller goes
   * away, and returns an unsubscribe that the dispatcher calls when the request ends. Creating an
   * AbortController per request costs ~2 µs plus GC; this costs a listener. `cancel` may be given
   * why (a DEADLINE_EXCEEDED WharfError when the caller's deadline is why); without one it is CANCELLED.
   */
  readonly onCancel?: (cancel: (reason?: unknown) => void) => () => void;
  readonly response?: ResponseChannel;
  /** Set for event deliveries. */
  readonly event?: EventInfo;
}
