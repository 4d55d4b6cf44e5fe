import type { Catalog } from './catalog.js';
import type { NumberSeries } from './families.js';
import { type LabelGuard, OVERFLOW } from './label-guard.js';

/** A circuit breaker's states, as the `state` label spells them (`halfOpen`, opossum's, is accepted too). */
export type BreakerState = 'closed' | 'half_open' | 'open';

/** One breaker state change. */
export interface BreakerChange {
  /** The called service the breaker protects. */
  readonly service: string;
  readonly to: BreakerState | 'halfOpen';
  /**
   * Which breaker, when a service has several (per method, per instance): `wharf_breaker_state`
   * counts breakers per state, so it must know where each one was. Default: one per service.
   */
  readonly breaker?: string;
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half_open', 'open'];

/** A call as resilience events name it: the called service and, where known, its method. */
export interface CallTarget {
  readonly service: string;
  readonly method?: string;
}

/**
 * What breakers, retries, bulkheads and rate limits report, so they show on the dashboard. Wire a
 * breaker's state-change event to `breakerStateChanged`, a retry middleware's "sending again" to
 * `retried`, and so on; each updates the metrics named in docs/observability.md.
 */
export interface ResilienceEvents {
  /** A breaker for `service` entered `to`: `wharf_breaker_state` and `wharf_breaker_transitions_total`. */
  breakerStateChanged(change: BreakerChange): void;
  /** A call is being sent again: `wharf_client_retries_total`. */
  retried(target: CallTarget): void;
  /** A bulkhead refused a call: `wharf_bulkhead_rejected_total`. */
  bulkheadRejected(target: CallTarget): void;
  /** A rate limit refused a request: `wharf_rate_limited_total`. */
  rateLimited(target: CallTarget): void;
}

/** The feed; `services` bounds breaker services, `calls` the (service, method) pairs. */
export function resilienceEvents(catalog: Catalog, services: LabelGuard, calls: LabelGuard): ResilienceEvents {
  const labels = (t: CallTarget) => {
    const method = t.method ?? '';
    return calls.admit(`${t.service}\u0000${method}`) === OVERFLOW
      ? { service: OVERFLOW, method: OVERFLOW }
      : { service: t.service, method };
  };
  const guard = services;
  // The state each breaker is in, by service and breaker id (bounded by the breakers that exist).
  const where = new Map<string, BreakerState>();
  return {
    breakerStateChanged({ service, to, breaker }) {
      const state: BreakerState = to === 'halfOpen' ? 'half_open' : to;
      if (!BREAKER_STATES.includes(state)) return;
      const name = guard.admit(service);
      // Every state of a service is exported from its first change, at 0 where no breaker is.
      const counts = BREAKER_STATES.map((s) => catalog.breakerState.series({ service: name, state: s }));
      const key = `${name}\u0000${breaker ?? ''}`;
      const previous = where.get(key);
      if (previous !== undefined) (counts[BREAKER_STATES.indexOf(previous)] as NumberSeries).value--;
      (counts[BREAKER_STATES.indexOf(state)] as NumberSeries).value++;
      where.set(key, state);
      catalog.breakerTransitions.series({ service: name, state }).value++;
    },
    retried(target) {
      catalog.retries.series(labels(target)).value++;
    },
    bulkheadRejected(target) {
      catalog.bulkheadRejected.series(labels(target)).value++;
    },
    rateLimited(target) {
      catalog.rateLimited.series(labels(target)).value++;
    },
  };
}

/** Anything that announces breaker state changes the way `@wharf/registry`'s `breakers().events` does. */
export interface BreakerEventSource {
  on(listener: (change: { readonly service: string; readonly state: string; readonly breaker?: string }) => void): () => void;
}

/**
 * Feeds a breaker's state changes into the metrics: `watchBreakers(breakers.events, obs.resilience)`
 * with `breakers()` from `@wharf/registry`. Returns the unsubscribe.
 */
export function watchBreakers(events: BreakerEventSource, resilience: ResilienceEvents): () => void {
  return events.on((change) =>
    resilience.breakerStateChanged({ service: change.service, to: change.state as BreakerState, breaker: change.breaker }),
  );
}
