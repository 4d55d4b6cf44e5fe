import type { Call, CallMiddleware, ClientCall, Endpoint, EventCall, Next, RpcCall, RpcRef, ServerCall } from '@wharf/core';
import { ERROR_CODES } from '@wharf/core';
import { hasOutputStream } from '@wharf/core/transport';
import { codeOf, observeDone, type ResultCode } from '../outcome.js';
import type { CounterFamily, CounterSeries, GaugeSeries, HistogramFamily, HistogramSeries, Labels } from './families.js';
import type { WharfMetrics } from './metrics.js';

const CODE_INDEX = new Map<ResultCode, number>([['OK', 0], ...ERROR_CODES.map((c, i) => [c, i + 1] as const)]);

/** The series of one (endpoint or method, transport): counts per code, duration. */
class RedSeries {
  readonly #codes: (CounterSeries | undefined)[] = [];
  readonly duration: HistogramSeries;
  constructor(
    readonly labels: Labels,
    readonly requests: CounterFamily,
    duration: HistogramFamily,
  ) {
    this.duration = duration.series(labels);
  }

  /** Counts one result and its duration in ms. */
  record(code: ResultCode, ms: number): void {
    const index = CODE_INDEX.get(code) ?? 0;
    let series = this.#codes[index];
    if (series === undefined) {
      series = this.requests.series({ ...this.labels, code });
      this.#codes[index] = series;
    }
    series.value++;
    this.duration.observe(ms / 1000);
  }
}

/** Per-key, per-transport series, created on first use and then only looked up. */
class SeriesCache<K> {
  readonly #map = new Map<K, Map<string, RedSeries>>();
  constructor(readonly make: (key: K, transport: string) => RedSeries) {}

  get(key: K, transport: string): RedSeries {
    let byTransport = this.#map.get(key);
    if (byTransport === undefined) {
      byTransport = new Map();
      this.#map.set(key, byTransport);
    }
    let series = byTransport.get(transport);
    if (series === undefined) {
      series = this.make(key, transport);
      byTransport.set(transport, series);
    }
    return series;
  }
}

/**
 * RED metrics for both pipelines, as one `CallMiddleware`: install it in `middleware.server` and
 * `middleware.client`. Server: requests by code, duration and in-flight per endpoint and
 * transport. Client: the same per called method (in flight per method: the transport is chosen
 * inside the pipeline); emits count as published events, with the broker-confirm latency.
 * Labels come from the endpoint or contract, never from the request.
 */
export function metricsMiddleware(metrics: WharfMetrics): CallMiddleware {
  const c = metrics.catalog;
  const serverInFlight = new Map<Endpoint, Map<string, GaugeSeries>>();
  const server = new SeriesCache<Endpoint>(
    (e, transport) => new RedSeries({ service: e.service, method: e.name, transport }, c.serverRequests, c.serverDuration),
  );
  const clientInFlight = new Map<RpcRef, GaugeSeries>();
  const client = new SeriesCache<RpcRef>(
    (ref, transport) => new RedSeries({ service: ref.service, method: ref.name, transport }, c.clientRequests, c.clientDuration),
  );
  // Keyed by the admitted name: names past the guard's limit share one `_other` entry.
  const events = new SeriesCache<string>((key, transport) => {
    const [service, event] = key.split('\u0000') as [string, string];
    return new RedSeries({ service, event, transport }, c.eventsPublished, c.publishDuration);
  });

  const inFlightOf = (call: ServerCall): GaugeSeries => {
    let byTransport = serverInFlight.get(call.endpoint);
    if (byTransport === undefined) {
      byTransport = new Map();
      serverInFlight.set(call.endpoint, byTransport);
    }
    let gauge = byTransport.get(call.transport);
    if (gauge === undefined) {
      gauge = c.serverInFlight.series({ service: call.service, method: call.method, transport: call.transport });
      byTransport.set(call.transport, gauge);
    }
    return gauge;
  };

  const onServer = (call: ServerCall, next: Next): Promise<unknown> => {
    const series = server.get(call.endpoint, call.transport);
    const gauge = inFlightOf(call);
    const streams = call.endpoint.kind === 'rpc' && hasOutputStream(call.endpoint.stream);
    return measure(call, next, gauge, () => series, streams);
  };

  const onRpc = (call: RpcCall, next: Next): Promise<unknown> => {
    let gauge = clientInFlight.get(call.ref);
    if (gauge === undefined) {
      gauge = c.clientInFlight.series({ service: call.service, method: call.method });
      clientInFlight.set(call.ref, gauge);
    }
    // The transport is known once `resolve` has run, inside `next`.
    return measure(call, next, gauge, () => client.get(call.ref, call.transport ?? 'none'), hasOutputStream(call.ref.stream));
  };

  const onEvent = (call: EventCall, next: Next): Promise<unknown> =>
    measure(
      call,
      next,
      undefined,
      () => events.get(`${call.service}\u0000${metrics.eventNames.admit(call.name)}`, call.transport ?? 'none'),
      false,
    );

  return (call: Call, next: Next) => {
    if (call.side === 'server') return onServer(call, next);
    return (call as ClientCall).kind === 'rpc' ? onRpc(call as RpcCall, next) : onEvent(call as EventCall, next);
  };
}

/** Runs `next`, counting the call in flight until it (or its output stream) ends. */
function measure(
  call: Call,
  next: Next,
  gauge: GaugeSeries | undefined,
  series: () => RedSeries,
  streams: boolean,
): Promise<unknown> {
  const started = performance.now();
  if (gauge !== undefined) gauge.value++;
  const end = (error?: unknown) => {
    if (gauge !== undefined) gauge.value--;
    series().record(codeOf(call, error), performance.now() - started);
  };
  return observeDone(next(), streams, end);
}
