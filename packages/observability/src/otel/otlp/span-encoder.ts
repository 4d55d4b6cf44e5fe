// Spans as an OTLP ExportTraceServiceRequest in protobuf (opentelemetry-proto,
// collector/trace/v1): the same bytes as OpenTelemetry's ProtobufTraceSerializer, field for field
// (a test holds the two equal), made in one pass instead of two.
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { tracing } from '@opentelemetry/sdk-node';
import { KeyValueCache } from './key-value-cache.js';
import { ProtoWriter } from './proto-writer.js';

type ReadableSpan = tracing.ReadableSpan;
type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];
type TimedEvent = ReadableSpan['events'][number];

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

// Span.flags: the context's trace flags, and whether it is known to be remote and is.
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

function flagsOf(context: SpanContext, isRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/**
 * An HrTime as unix nanoseconds in a fixed64, with OpenTelemetry's writeHrTimeAsFixed64
 * arithmetic step for step (seconds × 10⁹ passes 2⁵³, so it is added up in parts), so that
 * fractional, negative and very large values give the same bytes too.
 */
function time(w: ProtoWriter, [seconds, nanos]: HrTime): void {
  const fromLower = (seconds & 0xffff) * 1e9;
  const fromUpper = ((seconds / 0x10000) >>> 0) * 1e9;
  const low = (fromLower >>> 0) + (((fromUpper & 0xffff) * 0x10000) >>> 0) + nanos;
  const high = Math.floor(fromLower / 0x100000000) + ((fromUpper / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
  w.fixed64(low >>> 0, high >>> 0);
}

function anyValue(w: ProtoWriter, value: unknown): void {
  if (typeof value === 'string') {
    w.tag(1, LENGTH);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, VARINT);
    w.varint(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX) {
      w.tag(3, VARINT);
      w.varint(value);
    } else {
      w.tag(4, FIXED64);
      w.double(value);
    }
  } else if (value instanceof Uint8Array) {
    w.tag(7, LENGTH);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, LENGTH);
    const list = w.begin(2);
    for (const item of value) {
      w.tag(1, LENGTH);
      const at = w.begin(1);
      anyValue(w, item);
      w.end(at, 1);
    }
    w.end(list, 2);
  } else if (typeof value === 'object' && value !== null) {
    w.tag(6, LENGTH);
    const list = w.begin(2);
    attributes(w, value as Attributes, 1);
    w.end(list, 2);
  }
}

/** A KeyValue's fields (key, then value), without its own length. */
function keyValue(w: ProtoWriter, key: string, value: unknown): void {
  w.tag(1, LENGTH);
  w.string(key);
  w.tag(2, LENGTH);
  const at = w.begin(1);
  anyValue(w, value);
  w.end(at, 1);
}

const keyValues = new KeyValueCache(keyValue);

/** Each own property of `attrs` as a KeyValue in field `field`. */
function attributes(w: ProtoWriter, attrs: Attributes, field: number): void {
  // Object.keys: own enumerable keys in for…in's order, without a hasOwn per key.
  const keys = Object.keys(attrs);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = attrs[key];
    w.tag(field, LENGTH);
    const known = keyValues.get(key, value);
    if (known !== undefined) {
      w.raw(known);
      continue;
    }
    const pair = w.begin(1);
    keyValue(w, key, value);
    w.end(pair, 1);
  }
}

function event(w: ProtoWriter, e: TimedEvent): void {
  w.tag(1, FIXED64);
  time(w, e.time);
  w.tag(2, LENGTH);
  w.string(e.name);
  if (e.attributes) attributes(w, e.attributes, 3);
  w.tag(4, VARINT);
  w.varint(e.droppedAttributesCount || 0);
}

/** Fields 1–3 of a Span and of a Link alike: trace id, span id, and the trace state if there is one. */
function ids(w: ProtoWriter, context: SpanContext): void {
  w.tag(1, LENGTH);
  w.hexBytes(context.traceId);
  w.tag(2, LENGTH);
  w.hexBytes(context.spanId);
  const state = context.traceState?.serialize();
  if (state) {
    w.tag(3, LENGTH);
    w.string(state);
  }
}

function link(w: ProtoWriter, l: Link): void {
  const context = l.context;
  ids(w, context);
  if (l.attributes) attributes(w, l.attributes, 4);
  w.tag(5, VARINT);
  w.varint(l.droppedAttributesCount || 0);
  w.tag(6, FIXED32);
  w.fixed32(flagsOf(context, context.isRemote));
}

/** `item` written by `write` as a nested message in field `field`. */
function message<T>(w: ProtoWriter, field: number, write: (w: ProtoWriter, item: T) => void, item: T): void {
  w.tag(field, LENGTH);
  const at = w.begin(1);
  write(w, item);
  w.end(at, 1);
}

function span(w: ProtoWriter, s: ReadableSpan): void {
  const context = s.spanContext();
  ids(w, context);
  const parent = s.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, LENGTH);
    w.hexBytes(parent.spanId);
  }
  w.tag(5, LENGTH);
  w.string(s.name);
  // The API's kinds count from INTERNAL = 0; OTLP's from SPAN_KIND_UNSPECIFIED = 0 (not written).
  const kind = s.kind == null ? 0 : s.kind + 1;
  if (kind !== 0) {
    w.tag(6, VARINT);
    w.varint(kind);
  }
  w.tag(7, FIXED64);
  time(w, s.startTime);
  w.tag(8, FIXED64);
  time(w, s.endTime);
  if (s.attributes) attributes(w, s.attributes, 9);
  w.tag(10, VARINT);
  w.varint(s.droppedAttributesCount);
  for (const e of s.events) message(w, 11, event, e);
  w.tag(12, VARINT);
  w.varint(s.droppedEventsCount);
  for (const l of s.links) message(w, 13, link, l);
  w.tag(14, VARINT);
  w.varint(s.droppedLinksCount);
  w.tag(15, LENGTH);
  const status = w.begin(1);
  if (s.status.message) {
    w.tag(2, LENGTH);
    w.string(s.status.message);
  }
  w.tag(3, VARINT);
  w.varint(s.status.code);
  w.end(status, 1);
  w.tag(16, FIXED32);
  w.fixed32(flagsOf(context, parent?.isRemote));
}

function scopeSpans(w: ProtoWriter, scope: Scope, spans: readonly ReadableSpan[]): void {
  w.tag(1, LENGTH);
  const at = w.begin(1);
  w.tag(1, LENGTH);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LENGTH);
    w.string(scope.version);
  }
  const { attributes: scopeAttributes, droppedAttributesCount } = scope as Scope & {
    attributes?: Attributes;
    droppedAttributesCount?: number;
  };
  if (scopeAttributes) attributes(w, scopeAttributes, 3);
  if (droppedAttributesCount) {
    w.tag(4, VARINT);
    w.varint(droppedAttributesCount);
  }
  w.end(at, 1);
  for (const s of spans) {
    w.tag(2, LENGTH);
    const one = w.begin(2);
    span(w, s);
    w.end(one, 2);
  }
  if (scope.schemaUrl) {
    w.tag(3, LENGTH);
    w.string(scope.schemaUrl);
  }
}

function resourceSpans(w: ProtoWriter, resource: Resource, scopes: Map<Scope, ReadableSpan[]>): void {
  w.tag(1, LENGTH);
  const at = w.begin(2);
  if (resource.attributes) attributes(w, resource.attributes, 1);
  w.tag(2, VARINT);
  w.varint(0);
  w.end(at, 2);
  for (const [scope, spans] of scopes) {
    w.tag(2, LENGTH);
    const one = w.begin(3);
    scopeSpans(w, scope, spans);
    w.end(one, 3);
  }
  if (resource.schemaUrl) {
    w.tag(3, LENGTH);
    w.string(resource.schemaUrl);
  }
}

// One writer reused by every request: encoding is synchronous, and its buffer only grows. User
// code can still run inside an encoding (a TraceState's serialize, a Resource's attributes
// getter); an encoding started from there gets a writer of its own.
const writer = new ProtoWriter();
let writerBusy = false;

/** `spans` as the bytes of an OTLP ExportTraceServiceRequest: grouped by resource, then by scope, each in first-seen order. */
export function encodeSpans(spans: readonly ReadableSpan[]): Uint8Array {
  const byResource = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const s of spans) {
    let scopes = byResource.get(s.resource);
    if (scopes === undefined) {
      scopes = new Map();
      byResource.set(s.resource, scopes);
    }
    const list = scopes.get(s.instrumentationScope);
    if (list === undefined) scopes.set(s.instrumentationScope, [s]);
    else list.push(s);
  }
  if (writerBusy) return encodeWith(new ProtoWriter(), byResource);
  writerBusy = true;
  try {
    return encodeWith(writer, byResource);
  } finally {
    writerBusy = false;
  }
}

function encodeWith(w: ProtoWriter, byResource: Map<Resource, Map<Scope, ReadableSpan[]>>): Uint8Array {
  w.pos = 0;
  for (const [resource, scopes] of byResource) {
    w.tag(1, LENGTH);
    const at = w.begin(3);
    resourceSpans(w, resource, scopes);
    w.end(at, 3);
  }
  return w.finish();
}
