// Counting into an opossum breaker's rolling window directly, for calls that do not go through
// its `fire()` (see breaker.ts).
import type CircuitBreaker from 'opossum';

/** What the breaker counts in opossum's rolling window: calls sent (`fires`) and `failures`. */
export type Count = 'fires' | 'failures';

/** Counts one call, or one failure, into a breaker's rolling window. */
export type Tally = (count: Count) => void;

const EVENT_OF: Record<Count, string> = { fires: 'fire', failures: 'failure' };

/**
 * opossum counts what its breaker emits: `fire` and `failure` each have a listener that
 * increments its rolling window. Emitting (the emitter copies its listener list each time) was
 * the largest part of the breaker in a profile of bench:registry; the window's own `increment`
 * is what those listeners call, so it is called directly. It is not in opossum's typings: if an
 * upgrade drops it, the breaker emits as before.
 */
export function tallyOf<A extends unknown[]>(breaker: CircuitBreaker<A, unknown>): Tally {
  const status = breaker.status as unknown as { increment?: (count: Count, latencyMs: number) => void };
  const increment = status.increment;
  if (typeof increment === 'function') return (count) => increment.call(status, count, 0);
  return (count) => breaker.emit(EVENT_OF[count], undefined, 0);
}

/**
 * A transient failure while closed, counted as opossum's own `fire()` counts it (its `failure` event
 * feeds the rolling window, and the window decides whether to open) but without `fire()`'s promise,
 * closures and argument copy: about 0.8 µs of a call's 1 µs breaker cost (bench:registry), the most
 * of any client middleware. The call's `fire` was counted when it went out.
 */
export function countFailure<A extends unknown[]>(
  breaker: CircuitBreaker<A, unknown>,
  tally: Tally,
  thresholdPercentage: number,
): void {
  tally('failures');
  const { fires, failures } = breaker.stats;
  if (fires >= breaker.volumeThreshold && (failures / fires) * 100 > thresholdPercentage) breaker.open();
}
