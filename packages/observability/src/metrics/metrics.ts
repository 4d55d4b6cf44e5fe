import type { Endpoint, ErrorCode, EventDelivery, TransportObserver } from '@wharf/core';
import { collectDefaultMetrics, type OpenMetricsContentType, Registry, type RegistryContentType } from 'prom-client';
import { type Catalog, createCatalog, RPC_BUCKETS } from './catalog.js';
import type { CounterSeries } from './families.js';
import { LabelGuard } from './label-guard.js';
import { type ResilienceEvents, resilienceEvents } from './resilience.js';

const LINT_FAILING_RUNTIME_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Options of `WharfMetrics`. */
export interface MetricsOptions {
  /** Node.js runtime metrics (event-loop lag, GC, heap, CPU, handles); default true. One set per process is enough. */
  readonly runtime?: boolean;
  /** Duration buckets in seconds; default `RPC_BUCKETS` (100 µs … 30 s). */
  readonly buckets?: readonly number[];
  /**
   * Most distinct values a label fed by something other than a declaration may take (event names
   * emitted by string, services and methods reported by resilience events); default 200. Past it,
   * values are counted as `_other`.
   */
  readonly maxLabelValues?: number;
}

/** One exposition: what to send for a scrape. */
export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

/**
 * The app's metrics: the families of `catalog.ts`, a prom-client registry for the Prometheus text
 * format and one for OpenMetrics, the transport observer and the resilience feed. Create one per
 * app (tests create several in one process); `runtime: false` on all but one.
 */
export class WharfMetrics {
  readonly catalog: Catalog;
  /** The prom-client registry in Prometheus text format (add your own metrics here). */
  readonly registry: Registry;
  /** The same metrics in OpenMetrics format. */
  readonly openMetricsRegistry: Registry<OpenMetricsContentType>;
  /** Bounds event names, which `ctx.emit('computed.' + name)` could make unbounded. */
  readonly eventNames: LabelGuard;
  /** Bound what resilience events report (they come from other code): services, and (service, method) pairs. */
  readonly reportedServices: LabelGuard;
  readonly reportedCalls: LabelGuard;
  /** Transport observer: give it to `createApp({ observers })`. */
  readonly observer: TransportObserver;
  /** Where breakers, retries, bulkheads and rate limits report (see `ResilienceEvents`). */
  readonly resilience: ResilienceEvents;

  constructor(options: MetricsOptions = {}) {
    this.catalog = createCatalog(options.buckets ?? RPC_BUCKETS);
    this.registry = new Registry();
    this.openMetricsRegistry = new Registry<OpenMetricsContentType>();
    this.openMetricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    for (const family of Object.values(this.catalog)) {
      family.register(this.registry);
      family.register(this.openMetricsRegistry);
    }
    if (options.runtime !== false) {
      for (const registry of [this.registry, this.openMetricsRegistry]) {
        collectDefaultMetrics({ register: registry });
        // Gauges named `_total`, which promtool rejects; `nodejs_active_handles{type}` and its
        // siblings carry the same counts, per type.
        for (const name of LINT_FAILING_RUNTIME_METRICS) registry.removeSingleMetric(name);
      }
    }
    const limit = options.maxLabelValues ?? 200;
    this.eventNames = new LabelGuard(limit);
    this.reportedServices = new LabelGuard(limit);
    this.reportedCalls = new LabelGuard(limit);
    this.observer = transportObserver(this.catalog);
    this.resilience = resilienceEvents(this.catalog, this.reportedServices, this.reportedCalls);
  }

  /** The exposition an `Accept` header asks for: OpenMetrics when it names it, else Prometheus text 0.0.4. */
  async expose(accept?: string): Promise<Exposition> {
    const registry: Registry<RegistryContentType> = wantsOpenMetrics(accept) ? this.openMetricsRegistry : this.registry;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  /** How many series Wharf's own families export (runtime metrics aside). */
  seriesCount(): number {
    let n = 0;
    for (const family of Object.values(this.catalog)) n += family.size;
    return n;
  }
}

function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';');
    if (type?.trim().toLowerCase() !== 'application/openmetrics-text') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** The event series of one subscriber on one transport. */
interface Subscriber {
  readonly consumed: CounterSeries;
  readonly duplicates: CounterSeries;
  readonly retried: CounterSeries;
  readonly deadLettered: CounterSeries;
}

/**
 * Counts what transports report, per subscriber endpoint (never per routing key). A subscriber's
 * four series are created together, at zero, on its first delivery: `increase()` over a series
 * that appears already at 1 sees no increase, so the first dead letter would not alert.
 */
function transportObserver(catalog: Catalog): TransportObserver {
  const cache = new WeakMap<Endpoint, Map<string, Subscriber>>();
  const subscriber = (d: EventDelivery): Subscriber => {
    let byTransport = cache.get(d.endpoint);
    if (byTransport === undefined) {
      byTransport = new Map();
      cache.set(d.endpoint, byTransport);
    }
    let found = byTransport.get(d.transport);
    if (found === undefined) {
      const labels = { service: d.endpoint.service, method: d.endpoint.name, transport: d.transport };
      found = {
        consumed: catalog.eventsConsumed.series(labels),
        duplicates: catalog.eventsDuplicates.series(labels),
        retried: catalog.eventsRetried.series(labels),
        deadLettered: catalog.eventsDeadLettered.series(labels),
      };
      byTransport.set(d.transport, found);
    }
    return found;
  };
  return {
    requestRefused: (transport: string, code: ErrorCode) => {
      catalog.refused.series({ transport, code }).value++;
    },
    eventReceived: (d) => {
      subscriber(d).consumed.value++;
    },
    eventDuplicate: (d) => {
      subscriber(d).duplicates.value++;
    },
    eventRetried: (d) => {
      subscriber(d).retried.value++;
    },
    eventDeadLettered: (d) => {
      subscriber(d).deadLettered.value++;
    },
    reconnected: (transport: string) => {
      catalog.reconnects.series({ transport }).value++;
    },
  };
}
