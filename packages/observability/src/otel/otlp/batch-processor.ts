// A batch span processor for OTLP/HTTP that encodes spans soon after they end and sends them in
// requests of many. The SDK's BatchSpanProcessor keeps every span object until its batch of 512
// has been exported: at thousands of requests a second those objects live through the batch wait
// and the round trip, outlive young-generation collections and are copied or promoted. Encoding
// them 64 at a time turns them into bytes while they are young; the bytes of eight such chunks go
// in one request, because on a small machine each HTTP request costs about a millisecond of CPU
// (see docs/observability.md). Concatenated ExportTraceServiceRequests are one valid request
// (protobuf merges repeated fields), so the chunks are sent as they are.
import { context, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, getNumberFromEnv, globalErrorHandler, suppressTracing } from '@opentelemetry/core';
import type { OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import { tracing } from '@opentelemetry/sdk-node';
import { otlpTraceDelegate } from './exporter.js';
import { encodeSpans } from './span-encoder.js';

type ReadableSpan = tracing.ReadableSpan;

/** Spans per encoded chunk: small enough that a chunk's spans are still young when encoded. */
const CHUNK_SPANS = 64;
/** The longest a span waits to be encoded when fewer than a chunk's worth end. */
const CHUNK_DELAY_MS = 200;

/** Spans already encoded: one request's worth, or part of one. */
interface Encoded {
  readonly chunks: readonly Uint8Array[];
  readonly spans: number;
}

function concat(request: Encoded): Uint8Array {
  const { chunks } = request;
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

const spansOf = (request: Encoded) => request.spans;

interface Chunk {
  readonly bytes: Uint8Array;
  readonly spans: number;
}

/**
 * The processor's exporter: encodes each chunk the moment it is handed over and keeps the bytes
 * (at most `maxQueued` spans' worth; more are dropped, as the SDK's queue drops them). It sends one
 * request at a time, as the SDK's processor exports one batch at a time: the next once the last has
 * been answered, when a request's worth of chunks is kept, or `delayMs` after the first of them.
 */
class ChunkSender implements tracing.SpanExporter {
  readonly #delegate: ReturnType<typeof otlpTraceDelegate<Encoded>>;
  readonly #requestSpans: number;
  /** Kept spans that make a full request: the most whole chunks that fit in `requestSpans`. */
  readonly #fullRequest: number;
  readonly #maxQueued: number;
  readonly #delayMs: number;
  #kept: Chunk[] = [];
  #spans = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The timer went off while a request was in flight: the next request goes when it ends. */
  #due = false;
  /** A request sent by size or timer has not been answered yet. */
  #sending = false;
  #dropped = 0;
  #closed = false;

  /** `maxQueued` is at least `requestSpans` (the processor clamps the request to the queue). */
  constructor(config: OTLPExporterNodeConfigBase, requestSpans: number, chunkSpans: number, delayMs: number, maxQueued: number) {
    this.#delegate = otlpTraceDelegate(config, concat, spansOf);
    this.#requestSpans = requestSpans;
    this.#fullRequest = Math.floor(requestSpans / chunkSpans) * chunkSpans;
    this.#maxQueued = maxQueued;
    this.#delayMs = delayMs;
  }

  // SUCCESS means encoded and kept (or dropped because the kept bytes are full, as the SDK's queue
  // drops spans): the batch processor may go on to its next chunk at once. A failed send is
  // reported as the SDK reports its failed exports (the global error handler).
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeSpans(spans);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    if (this.#closed) {
      // A chunk that waited for its resource's async attributes through shutdown: sent by itself,
      // as the SDK's OTLP exporter still sends what it is handed after its shutdown.
      this.#request({ chunks: [bytes], spans: spans.length }, () => {});
    } else if (this.#spans + spans.length > this.#maxQueued) {
      if (this.#dropped === 0) diag.debug('maxQueueSize reached, dropping spans');
      this.#dropped += spans.length;
    } else {
      if (this.#dropped > 0) {
        diag.warn(`Dropped ${this.#dropped} spans because maxQueueSize reached`);
        this.#dropped = 0;
      }
      this.#kept.push({ bytes, spans: spans.length });
      this.#spans += spans.length;
      this.#pump();
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Sends the next request if none is in flight and a full one is kept or the timer went off. */
  #pump(): void {
    if (!this.#sending && this.#spans > 0 && (this.#due || this.#spans >= this.#fullRequest)) {
      this.#due = false;
      this.#sending = true;
      this.#request(this.#take(), () => {
        this.#sending = false;
        this.#pump();
      });
    }
    if (this.#spans > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#due = true;
        this.#pump();
      }, this.#delayMs);
      this.#timer.unref();
    }
  }

  /** The oldest kept chunks that fit in one request (at least one). */
  #take(): Encoded {
    const chunks: Uint8Array[] = [];
    let spans = 0;
    let taken = 0;
    for (const chunk of this.#kept) {
      if (taken > 0 && spans + chunk.spans > this.#requestSpans) break;
      chunks.push(chunk.bytes);
      spans += chunk.spans;
      taken++;
    }
    this.#kept.splice(0, taken);
    this.#spans -= spans;
    if (this.#spans === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    return { chunks, spans };
  }

  #request(request: Encoded, done: () => void): void {
    // Sends from the timer, forceFlush and shutdown run outside the processor's suppressed context:
    // the exporter's own HTTP request must not be traced (an http instrumentation would make a span
    // per export).
    context.with(suppressTracing(context.active()), () => {
      this.#delegate.export(request, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          globalErrorHandler(result.error ?? new Error(`Sending ${request.spans} spans over OTLP failed`));
        }
        done();
      });
    });
  }

  /** Sends everything kept, in requests of at most `requestSpans`, at once (as the SDK's forceFlush exports every batch). */
  #sendAll(): void {
    this.#due = false;
    while (this.#spans > 0) this.#request(this.#take(), () => {});
  }

  /** Sends what is kept now and waits for every request still in flight. */
  forceFlush(): Promise<void> {
    this.#sendAll();
    return this.#delegate.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#sendAll();
    await this.#delegate.shutdown();
  }
}

/** Options of `OtlpBatchSpanProcessor`: the SDK batch processor's, and the OTLP exporter's. */
export interface OtlpBatchSpanProcessorOptions extends tracing.BufferConfig {
  /** The OTLP/HTTP exporter's options (url, headers, compression, timeoutMillis, …), as `OtlpTraceExporter` takes them. */
  readonly exporter?: OTLPExporterNodeConfigBase;
}

/** A positive number from the environment, as the Node SDK reads `OTEL_BSP_*` (other values ignored with a warning). */
function positiveFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value !== undefined && !(value > 0)) {
    diag.warn(`${name} (${value}) is invalid, expected a number greater than 0; using the default`);
    return undefined;
  }
  return value;
}

function positive(name: keyof tracing.BufferConfig, value: number | undefined, env: string, fallback: number): number {
  if (value === undefined) return positiveFromEnv(env) ?? fallback;
  if (!(value > 0))
    throw new Error(
      `OtlpBatchSpanProcessor: ${name} is ${value}; give a number above 0, or leave it out for ${env} or ${fallback}`,
    );
  return value;
}

/**
 * A batch span processor that sends spans over OTLP/HTTP-protobuf (as `BatchSpanProcessor` with
 * `OtlpTraceExporter`) with less work per span: spans are encoded in chunks of 64 soon after they
 * end, so the span objects die young, and sent `maxExportBatchSize` (512) to a request, one
 * request at a time (as the SDK's processor exports one batch at a time; at most `maxQueueSize`
 * spans wait, encoded, for the collector), at most `scheduledDelayMillis` (plus 0.2 s) after they
 * end while the collector keeps up. The options and their `OTEL_BSP_*` and
 * `OTEL_EXPORTER_OTLP_*` variables mean what they mean for the SDK's processor and exporter; a
 * request's timeout is the exporter's (`timeoutMillis`, 10 s by default).
 */
export class OtlpBatchSpanProcessor extends tracing.BatchSpanProcessor {
  readonly #sender: ChunkSender;

  constructor(options: OtlpBatchSpanProcessorOptions = {}) {
    // Whole spans: a fraction below 1 would make the SDK's batches of none, exported in an endless loop.
    const maxQueueSize = Math.max(1, Math.floor(positive('maxQueueSize', options.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048)));
    const requestSpans = Math.max(
      1,
      Math.floor(
        Math.min(positive('maxExportBatchSize', options.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
      ),
    );
    const delayMs = positive('scheduledDelayMillis', options.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY', 5000);
    // Chunks of at most CHUNK_SPANS that add up to a request: 8 × 64 for 512, 2 × 50 for 100.
    const chunkSpans = Math.floor(requestSpans / Math.ceil(requestSpans / CHUNK_SPANS));
    const sender = new ChunkSender(options.exporter ?? {}, requestSpans, chunkSpans, delayMs, maxQueueSize);
    super(sender, {
      maxQueueSize,
      maxExportBatchSize: chunkSpans,
      scheduledDelayMillis: Math.min(CHUNK_DELAY_MS, delayMs),
      exportTimeoutMillis: positive('exportTimeoutMillis', options.exportTimeoutMillis, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000),
    });
    this.#sender = sender;
  }

  /** Encodes every span still queued, sends everything kept, and waits for the requests to end. */
  override async forceFlush(): Promise<void> {
    try {
      await super.forceFlush();
    } finally {
      await this.#sender.forceFlush();
    }
  }
}
