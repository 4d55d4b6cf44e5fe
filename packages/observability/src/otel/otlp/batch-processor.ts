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

/**
 * The processor's exporter: encodes each chunk the moment it is handed over, keeps the bytes, and
 * sends a request once `requestSpans` spans are kept, or `delayMs` after the first of them.
 */
class ChunkSender implements tracing.SpanExporter {
  readonly #delegate: ReturnType<typeof otlpTraceDelegate<Encoded>>;
  readonly #requestSpans: number;
  readonly #chunkSpans: number;
  readonly #delayMs: number;
  #chunks: Uint8Array[] = [];
  #spans = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: OTLPExporterNodeConfigBase, requestSpans: number, chunkSpans: number, delayMs: number) {
    this.#delegate = otlpTraceDelegate(config, concat, spansOf);
    this.#requestSpans = requestSpans;
    this.#chunkSpans = chunkSpans;
    this.#delayMs = delayMs;
  }

  // SUCCESS means encoded and kept: the batch processor may go on to its next chunk at once. A
  // failed send is reported as the SDK reports its failed exports (the global error handler).
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('The OTLP span processor is shut down') });
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeSpans(spans);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    this.#chunks.push(bytes);
    this.#spans += spans.length;
    // Sent when another chunk would not fit: no request carries more than `requestSpans` spans,
    // as the SDK's batches never do (chunks are never larger than `chunkSpans`).
    if (this.#spans + this.#chunkSpans > this.#requestSpans) this.#send();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#send(), this.#delayMs);
      this.#timer.unref();
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  #send(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#spans === 0) return;
    const request: Encoded = { chunks: this.#chunks, spans: this.#spans };
    this.#chunks = [];
    this.#spans = 0;
    // A timer's send runs outside the processor's suppressed context: the exporter's own HTTP
    // request must not be traced (an http instrumentation would make a span per export).
    context.with(suppressTracing(context.active()), () => {
      this.#delegate.export(request, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          globalErrorHandler(result.error ?? new Error(`Sending ${request.spans} spans over OTLP failed`));
        }
      });
    });
  }

  /** Sends what is kept now and waits for every request still in flight. */
  forceFlush(): Promise<void> {
    this.#send();
    return this.#delegate.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.#send();
    this.#closed = true;
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
 * end, so the span objects die young, and sent `maxExportBatchSize` (512) to a request, at most
 * `scheduledDelayMillis` (plus 0.2 s) after they end. The options and their `OTEL_BSP_*` and
 * `OTEL_EXPORTER_OTLP_*` variables mean what they mean for the SDK's processor and exporter; a
 * request's timeout is the exporter's (`timeoutMillis`, 10 s by default).
 */
export class OtlpBatchSpanProcessor extends tracing.BatchSpanProcessor {
  readonly #sender: ChunkSender;

  constructor(options: OtlpBatchSpanProcessorOptions = {}) {
    const maxQueueSize = positive('maxQueueSize', options.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048);
    const requestSpans = Math.min(
      positive('maxExportBatchSize', options.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
      maxQueueSize,
    );
    const delayMs = positive('scheduledDelayMillis', options.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY', 5000);
    // Chunks of at most CHUNK_SPANS that add up to a request: 8 × 64 for 512, 2 × 50 for 100.
    const chunkSpans = Math.floor(requestSpans / Math.ceil(requestSpans / CHUNK_SPANS));
    const sender = new ChunkSender(options.exporter ?? {}, requestSpans, chunkSpans, delayMs);
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
    await super.forceFlush();
    await this.#sender.forceFlush();
  }
}
