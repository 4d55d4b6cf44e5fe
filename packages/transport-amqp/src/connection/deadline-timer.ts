// A shared, coarse timer for deadlines. One setTimeout per call costs more than the rest of the
// bookkeeping of a call; grouping deadlines into 5 ms buckets with one timer per bucket makes
// scheduling and cancelling a Set insert and delete. A bucket fires at its end, so a deadline
// fires at most 5 ms late and never early.
//
// Node fires a timer longer than MAX_TIMER_MS (about 24.8 days) after 1 ms instead: a deadline
// further away than that is as good as none, and gets no timer.

import { MAX_TIMER_MS } from '@wharf/core/transport';

const RESOLUTION_MS = 5;

/** A scheduled callback; pass it to `cancel`. */
export interface TimerHandle {
  readonly at: number;
  readonly fire: () => void;
}

interface Bucket {
  readonly entries: Set<TimerHandle>;
  readonly timer: NodeJS.Timeout;
}

const buckets = new Map<number, Bucket>();

function fireBucket(key: number): void {
  const bucket = buckets.get(key);
  if (bucket === undefined) return;
  buckets.delete(key);
  for (const entry of bucket.entries) entry.fire();
}

/** Calls `fire` once, at or up to 5 ms after `at` (epoch ms), unless cancelled first. */
export function schedule(at: number, fire: () => void): TimerHandle {
  const handle: TimerHandle = { at, fire };
  if (at - Date.now() > MAX_TIMER_MS) return handle;
  const key = Math.ceil(at / RESOLUTION_MS) * RESOLUTION_MS;
  let bucket = buckets.get(key);
  if (bucket === undefined) {
    const timer = setTimeout(fireBucket, Math.max(0, key - Date.now()), key);
    timer.unref();
    bucket = { entries: new Set(), timer };
    buckets.set(key, bucket);
  }
  bucket.entries.add(handle);
  return handle;
}

/** Cancels a scheduled callback; harmless when it already fired. */
export function cancel(handle: TimerHandle | undefined): void {
  if (handle === undefined) return;
  const key = Math.ceil(handle.at / RESOLUTION_MS) * RESOLUTION_MS;
  const bucket = buckets.get(key);
  if (bucket === undefined || !bucket.entries.delete(handle) || bucket.entries.size > 0) return;
  clearTimeout(bucket.timer);
  buckets.delete(key);
}

/** A timer of its own for one wait until `at` (epoch ms); none when `at` is out of a timer's reach. */
export function timeoutAt(at: number, fire: () => void): NodeJS.Timeout | undefined {
  const delay = Math.max(0, at - Date.now());
  return delay > MAX_TIMER_MS ? undefined : setTimeout(fire, delay);
}
