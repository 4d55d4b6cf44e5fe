import {
  type Attributes,
  INVALID_SPAN_CONTEXT,
  type Context as OtelContext,
  SamplingDecision,
  type Span,
  type SpanContext,
  type SpanKind,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed, sanitizeAttributes } from '@opentelemetry/core';
import type { tracing } from '@opentelemetry/sdk-node';
import { LeanSpan, type SpanSink } from './lean-span.js';
import { idsFor } from './random-ids.js';

/**
 * Starts a span under `parent`. `attributes` becomes the span's own (the caller made it for this
 * span and does not touch it again).
 */
export type StartSpan = (name: string, kind: SpanKind, attributes: Attributes, parent: OtelContext) => Span;

/** What Wharf reads of the OpenTelemetry SDK's tracer: fields private to sdk-trace's `Tracer`, checked before use. */
interface SdkTracer {
  readonly _sampler: tracing.Sampler;
  readonly _spanProcessor: tracing.SpanProcessor;
  readonly _idGenerator: tracing.IdGenerator;
  readonly _spanLimits: tracing.SpanLimits;
  readonly _resource: SpanSink['resource'];
  readonly instrumentationScope: SpanSink['scope'];
}

/** The tracer behind `tracer` (a proxy from `trace.getTracer` until the SDK registers). */
export function delegateOf(tracer: Tracer): Tracer {
  const proxy = tracer as { _getTracer?: () => Tracer };
  return typeof proxy._getTracer === 'function' ? proxy._getTracer() : tracer;
}

function sdkTracerOf(tracer: Tracer): SdkTracer | undefined {
  const t = tracer as Partial<SdkTracer>;
  const usable =
    typeof t._sampler?.shouldSample === 'function' &&
    typeof t._spanProcessor?.onStart === 'function' &&
    typeof t._spanProcessor?.onEnd === 'function' &&
    typeof t._idGenerator?.generateTraceId === 'function' &&
    typeof t._idGenerator?.generateSpanId === 'function' &&
    t._spanLimits !== undefined &&
    t._resource !== undefined &&
    t.instrumentationScope !== undefined;
  return usable ? (t as SdkTracer) : undefined;
}

const HEX = /^[0-9a-f]+$/i;

// The SDK's samplers that read a span's attributes without adding to them.
const LEAVE_ATTRIBUTES = new Set(['AlwaysOnSampler', 'AlwaysOffSampler', 'TraceIdRatioBasedSampler']);
const PARENT_BASED_DELEGATES = [
  '_root',
  '_remoteParentSampled',
  '_remoteParentNotSampled',
  '_localParentSampled',
  '_localParentNotSampled',
] as const;

/**
 * Whether `sampler` is sure to leave the attributes it is given as they are: one of the SDK's own
 * (a parent-based one with only such delegates). Any other may add to them (the SDK allows it), and
 * then a span counts its attributes against the limit from the start.
 */
function leavesAttributes(sampler: unknown, depth = 0): boolean {
  const name = (sampler as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  if (name !== undefined && LEAVE_ATTRIBUTES.has(name)) return true;
  if (name !== 'ParentBasedSampler' || depth > 2) return false;
  const fields = sampler as Record<(typeof PARENT_BASED_DELEGATES)[number], unknown>;
  return PARENT_BASED_DELEGATES.every((field) => leavesAttributes(fields[field], depth + 1));
}

/** The API's `isSpanContextValid` (hex in either case, not all zeros), with one plain pattern per id. */
function validIds(context: SpanContext): boolean {
  const { traceId, spanId } = context;
  return (
    traceId.length === 32 &&
    spanId.length === 16 &&
    traceId !== '00000000000000000000000000000000' &&
    spanId !== '0000000000000000' &&
    HEX.test(traceId) &&
    HEX.test(spanId)
  );
}

/**
 * How Wharf starts its spans on `tracer`. On the OpenTelemetry SDK's tracer: the SDK's own sampler,
 * span processors, resource, scope and limits, and its id generator unless it is the default one
 * (then `randomIds`, the same kind of ids made faster), with a `LeanSpan` that skips what a Wharf
 * span does not need (sanitising attributes Wharf built, one of four clock readings).
 * On any other tracer (a test double, another SDK, an SDK version whose fields moved): its own
 * `startSpan`, unchanged.
 */
export function spanStarter(tracer: Tracer, lean = true): StartSpan {
  const sdk = lean ? sdkTracerOf(tracer) : undefined;
  if (sdk === undefined) return (name, kind, attributes, parent) => tracer.startSpan(name, { kind, attributes }, parent);
  const sink: SpanSink = {
    processor: sdk._spanProcessor,
    resource: sdk._resource,
    scope: sdk.instrumentationScope,
    limits: sdk._spanLimits,
  };
  const sampler = sdk._sampler;
  const counted = !leavesAttributes(sampler);
  const ids = idsFor(sdk._idGenerator);
  return (name, kind, attributes, parent) => {
    if (isTracingSuppressed(parent)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parentIds = trace.getSpanContext(parent);
    const child = parentIds !== undefined && validIds(parentIds);
    const spanId = ids.generateSpanId();
    const traceId = child ? parentIds.traceId : ids.generateTraceId();
    const sampling = sampler.shouldSample(parent, traceId, name, kind, attributes, []);
    const context: SpanContext = {
      traceId,
      spanId,
      traceFlags: sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: sampling.traceState ?? (child ? parentIds.traceState : undefined),
    };
    if (sampling.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(context);
    const span = new LeanSpan(sink, name, kind, context, child ? parentIds : undefined, attributes, counted);
    // The sampler's own attributes, which win as in the SDK, under the span's limits.
    if (sampling.attributes !== undefined) span.setAttributes(sanitizeAttributes(sampling.attributes));
    sink.processor.onStart(span as never, parent);
    return span;
  };
}
