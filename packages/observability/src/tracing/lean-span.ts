import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  type AttributeValue,
  diag,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
} from '@opentelemetry/api';
import { isAttributeValue, sanitizeAttributes } from '@opentelemetry/core';
import type { tracing } from '@opentelemetry/sdk-node';

type ReadableSpan = tracing.ReadableSpan;
type TimedEvent = ReadableSpan['events'][number];

/** What a span needs from the SDK's tracer: where it goes, what it is part of, its limits. */
export interface SpanSink {
  readonly processor: tracing.SpanProcessor;
  readonly resource: ReadableSpan['resource'];
  readonly scope: ReadableSpan['instrumentationScope'];
  readonly limits: tracing.SpanLimits;
}

function hrTime(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

function isHrTime(input: unknown): input is HrTime {
  return Array.isArray(input) && input.length === 2 && typeof input[0] === 'number' && typeof input[1] === 'number';
}

/**
 * More attributes than Wharf ever sets on a span of its own (at most ~16, those it starts the span
 * with and those it adds when the call ends): under a count limit at least this large, they are
 * neither counted nor checked against it. The first attribute set by anyone else counts them all.
 */
const AMPLE = 32;
const UNCOUNTED = -1;

function countOf(attributes: Attributes): number {
  let count = 0;
  for (const key in attributes) if (Object.hasOwn(attributes, key)) count++;
  return count;
}

// Shared until a span gets its own: most spans never have a link, an event or a status set, and
// every object a span does not allocate is garbage the collector does not chase (spans wait in the
// batch processor's queue long enough to outlive a young-generation collection).
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NOT_ENDED: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
const NO_DURATION: HrTime = Object.freeze([-1, -1]) as unknown as HrTime;

/**
 * A recording span that the SDK's span processors and exporters read like the SDK's own
 * (`ReadableSpan`), with the SDK's attribute, event and link limits, at a fraction of its cost:
 * the attributes Wharf built are taken as they are (they are valid by construction) and not
 * counted while they cannot reach the count limit (`counted` says a sampler may have added to them),
 * and the clocks are read three times, not four. Made by `spanStarter` in `fast-tracer.ts`.
 */
export class LeanSpan implements Span, ReadableSpan {
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  // Own data, as on the SDK's span: exporters copy spans ({ ...span }) and wrap them in proxies.
  readonly startTime: HrTime;
  endTime: HrTime = NOT_ENDED;
  duration: HrTime = NO_DURATION;
  status: SpanStatus = UNSET;
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  // The wall clock (epoch ms) and performance.now() at the start: the wall clock is read for every
  // span, as the SDK does, so a clock step or a resumed VM shows at once; the end is the start plus
  // the monotonic time since.
  readonly #startMs: number;
  readonly #started: number;
  readonly #sink: SpanSink;
  // Whether string values are cut to a length limit: then every attribute goes through setAttribute.
  readonly #truncates: boolean;
  // How many attributes the span has, once something needed to know (UNCOUNTED until then).
  #count: number;

  constructor(
    sink: SpanSink,
    public name: string,
    readonly kind: SpanKind,
    readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    public attributes: Attributes,
    counted = false,
  ) {
    this.#sink = sink;
    this.resource = sink.resource;
    this.instrumentationScope = sink.scope;
    this.#startMs = Date.now();
    this.#started = performance.now();
    this.startTime = hrTime(this.#startMs);
    const { attributeCountLimit, attributeValueLengthLimit } = sink.limits;
    this.#truncates =
      attributeValueLengthLimit !== undefined && attributeValueLengthLimit > 0 && attributeValueLengthLimit < Infinity;
    this.#count = UNCOUNTED;
    if (counted || this.#truncates || (attributeCountLimit !== undefined && attributeCountLimit < AMPLE)) {
      // Attributes Wharf did not build alone (a sampler added to them), or limits tighter than the
      // defaults: they go through the limits one by one, as set later.
      this.attributes = {};
      this.#count = 0;
      this.setAttributes(attributes);
    }
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (value == null || this.#endedWarn()) return this;
    if (key.length === 0 || !isAttributeValue(value)) {
      diag.warn(`Invalid attribute ${key}: ${String(value)}`);
      return this;
    }
    const isNew = !Object.hasOwn(this.attributes, key);
    const { attributeCountLimit } = this.#sink.limits;
    if (this.#count === UNCOUNTED) this.#count = countOf(this.attributes);
    if (isNew && attributeCountLimit !== undefined && this.#count >= attributeCountLimit) {
      this.droppedAttributesCount++;
      return this;
    }
    this.attributes[key] = this.#truncated(value);
    if (isNew) this.#count++;
    return this;
  }

  /**
   * `setAttribute` for a string or number Wharf made, not checked while the span's attributes are
   * uncounted (Wharf's own stay under AMPLE); otherwise — counted, truncated, ended — `setAttribute`.
   */
  setKnown(key: string, value: string | number | undefined): void {
    if (value === undefined) return; // as setAttribute: no value, no attribute
    if (this.#count === UNCOUNTED && !this.ended) this.attributes[key] = value;
    else this.setAttribute(key, value);
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) if (Object.hasOwn(attributes, key)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.#endedWarn()) return this;
    const { eventCountLimit, attributePerEventCountLimit } = this.#sink.limits;
    if (eventCountLimit === 0) {
      this.droppedEventsCount++;
      return this;
    }
    if (this.events === NO_EVENTS) this.events = [];
    if (eventCountLimit !== undefined && this.events.length >= eventCountLimit) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    const isTime = typeof attributesOrTime === 'number' || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    const at = isTime ? (time ?? (attributesOrTime as TimeInput)) : time;
    const { kept, dropped } = this.#limited(isTime ? undefined : (attributesOrTime as Attributes), attributePerEventCountLimit);
    this.events.push({
      name,
      attributes: kept,
      time: this.#timeOf(at),
      droppedAttributesCount: dropped,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.#endedWarn()) return this;
    const { linkCountLimit, attributePerLinkCountLimit } = this.#sink.limits;
    if (linkCountLimit === 0) {
      this.droppedLinksCount++;
      return this;
    }
    if (this.links === NO_LINKS) this.links = [];
    if (linkCountLimit !== undefined && this.links.length >= linkCountLimit) {
      this.links.shift();
      this.droppedLinksCount++;
    }
    const { kept, dropped } = this.#limited(link.attributes, attributePerLinkCountLimit);
    this.links.push({
      context: link.context,
      ...(Object.keys(kept).length > 0 ? { attributes: kept } : {}),
      ...(dropped > 0 ? { droppedAttributesCount: dropped } : {}),
    });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.#endedWarn() || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.#endedWarn()) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      diag.error(`${this.name} ${this.context.traceId}-${this.context.spanId} - You can only call end() on a span once.`);
      return;
    }
    const at = this.#timeOf(endTime);
    const start = this.startTime;
    const nanos = (at[0] - start[0]) * 1e9 + (at[1] - start[1]);
    if (nanos < 0) {
      diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.');
      this.endTime = [start[0], start[1]];
      this.duration = [0, 0];
    } else {
      this.endTime = at;
      this.duration = [Math.floor(nanos / 1e9), nanos % 1e9];
    }
    this.#sink.processor.onEnding?.(this as never);
    this.ended = true;
    this.#sink.processor.onEnd(this as never);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    // Truthiness, not presence, as the SDK: a `code` of null, 0 or '' gives way to the name, and
    // an empty message is no message.
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = String(exception.code);
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) {
      this.addEvent('exception', attributes, time);
    } else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  /**
   * A `TimeInput` as the SDK reads it — a performance timestamp, epoch milliseconds, a Date or an
   * HrTime — and, for anything else, now: the start plus the monotonic time since.
   */
  #timeOf(input: TimeInput | undefined): HrTime {
    if (typeof input === 'number') {
      const epochMsOfPerformanceZero = this.#startMs - this.#started;
      return hrTime(input <= performance.now() ? input + epochMsOfPerformanceZero : input);
    }
    if (input instanceof Date) return hrTime(input.getTime());
    if (isHrTime(input)) return input;
    return this.#afterStart(performance.now() - this.#started);
  }

  /** The start plus `elapsed` milliseconds, kept to the nanosecond (epoch milliseconds as a double are not). */
  #afterStart(elapsed: number): HrTime {
    const start = this.startTime;
    const whole = Math.floor(elapsed / 1000);
    let seconds = start[0] + whole;
    let nanos = start[1] + Math.round((elapsed - whole * 1000) * 1e6);
    if (nanos >= 1e9) {
      seconds += 1;
      nanos -= 1e9;
    }
    return [seconds, nanos];
  }

  #endedWarn(): boolean {
    if (this.ended)
      diag.warn(`Cannot execute the operation on ended Span {traceId: ${this.context.traceId}, spanId: ${this.context.spanId}}`);
    return this.ended;
  }

  #limited(attributes: Attributes | undefined, limit: number | undefined): { kept: Attributes; dropped: number } {
    const kept: Attributes = {};
    let count = 0;
    let dropped = 0;
    const clean = sanitizeAttributes(attributes);
    for (const key in clean) {
      if (limit !== undefined && count >= limit) {
        dropped++;
        continue;
      }
      kept[key] = this.#truncated(clean[key] as AttributeValue);
      count++;
    }
    return { kept, dropped };
  }

  #truncated(value: AttributeValue): AttributeValue {
    const limit = this.#sink.limits.attributeValueLengthLimit;
    if (limit === undefined || limit <= 0 || limit === Number.POSITIVE_INFINITY) return value;
    if (typeof value === 'string') return value.length > limit ? value.slice(0, limit) : value;
    if (Array.isArray(value))
      return value.map((v) => (typeof v === 'string' && v.length > limit ? v.slice(0, limit) : v)) as AttributeValue;
    return value;
  }
}
