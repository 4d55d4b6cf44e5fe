import { CounterFamily, GaugeFamily, HistogramFamily } from './families.js';

/**
 * Latency buckets for RPCs, in seconds: from 100 µs (an in-process or loopback call) to 30 s (the
 * default deadline), about 2.5× apart, so p50–p99 of both a 200 µs cache hit and a 2 s report
 * land between two bounds.
 */
export const RPC_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

const RED = ['service', 'method', 'transport'] as const;
const RED_CODE = ['service', 'method', 'transport', 'code'] as const;
const EVENT = ['service', 'event', 'transport'] as const;

/**
 * Every metric Wharf exports, by family. Labels come only from declarations: service and method
 * names, event names, transport names and the 17 result codes (OK and the 16 error codes).
 */
export function createCatalog(buckets: readonly number[] = RPC_BUCKETS) {
  return {
    serverRequests: new CounterFamily(
      'wharf_server_requests_total',
      'Requests handled (RPCs and event deliveries), by result code: OK or the Wharf error code.',
      RED_CODE,
    ),
    serverDuration: new HistogramFamily(
      'wharf_server_request_duration_seconds',
      'Time from dispatch to the answer (to the end of the stream for server streams), in seconds.',
      RED,
      buckets,
    ),
    serverInFlight: new GaugeFamily('wharf_server_requests_in_flight', 'Requests being handled now.', RED),
    clientRequests: new CounterFamily(
      'wharf_client_requests_total',
      'Outgoing calls, by result code: OK or the Wharf error code.',
      RED_CODE,
    ),
    clientDuration: new HistogramFamily(
      'wharf_client_request_duration_seconds',
      'Time from the call to its answer, in seconds, as the caller saw it.',
      RED,
      buckets,
    ),
    clientInFlight: new GaugeFamily('wharf_client_requests_in_flight', 'Outgoing calls waiting for their answer.', [
      'service',
      'method',
    ]),
    eventsPublished: new CounterFamily(
      'wharf_events_published_total',
      'Events emitted, by result: OK once the broker confirmed them, else the error code.',
      [...EVENT, 'code'],
    ),
    publishDuration: new HistogramFamily(
      'wharf_event_publish_duration_seconds',
      'Time from emit to the broker confirm, in seconds.',
      EVENT,
      buckets,
    ),
    eventsConsumed: new CounterFamily(
      'wharf_events_consumed_total',
      'Event deliveries taken from the broker for a subscriber (redeliveries included).',
      RED,
    ),
    eventsDuplicates: new CounterFamily(
      'wharf_events_duplicates_total',
      'Event deliveries skipped because their id had been handled already.',
      RED,
    ),
    eventsRetried: new CounterFamily('wharf_events_retried_total', 'Failed event deliveries scheduled for another attempt.', RED),
    eventsDeadLettered: new CounterFamily(
      'wharf_events_dead_lettered_total',
      'Event deliveries moved to a dead-letter queue.',
      RED,
    ),
    refused: new CounterFamily(
      'wharf_transport_refused_total',
      'Requests a transport refused before any handler saw them (no route, bad framing, draining), by code.',
      ['transport', 'code'],
    ),
    reconnects: new CounterFamily(
      'wharf_transport_reconnects_total',
      'Connections (to a broker or a peer) re-established after they were lost.',
      ['transport'],
    ),
    breakerState: new GaugeFamily(
      'wharf_breaker_state',
      'Circuit breakers protecting calls to a service, by state (closed, half_open, open).',
      ['service', 'state'],
    ),
    breakerTransitions: new CounterFamily(
      'wharf_breaker_transitions_total',
      'Circuit breaker state changes, by the state entered.',
      ['service', 'state'],
    ),
    retries: new CounterFamily('wharf_client_retries_total', 'Outgoing calls sent again after a failed attempt.', [
      'service',
      'method',
    ]),
    bulkheadRejected: new CounterFamily('wharf_bulkhead_rejected_total', 'Calls refused because their bulkhead was full.', [
      'service',
      'method',
    ]),
    rateLimited: new CounterFamily('wharf_rate_limited_total', 'Requests refused by a rate limit.', ['service', 'method']),
  };
}

/** The metric families, by role. */
export type Catalog = ReturnType<typeof createCatalog>;
