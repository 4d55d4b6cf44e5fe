import type { Catalog } from './catalog.js';
import { type LabelGuard, OVERFLOW } from './label-guard.js';

/** A circuit breaker's states, as the `state` label spells them. */
export type BreakerState = 'closed' | 'half_open' | 'open';

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
  breakerStateChanged(change: { readonly service: string; readonly to: BreakerState }): void;
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
  return {
    breakerStateChanged({ service, to }) {
      if (!BREAKER_STATES.includes(to)) return;
      const name = guard.admit(service);
      for (const state of BREAKER_STATES) catalog.breakerState.series({ service: name, state }).value = state === to ? 1 : 0;
      catalog.breakerTransitions.series({ service: name, state: to }).value++;
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
