// A shared, coarse timer for deadlines. One setTimeout per call costs more than the rest of the
// bookkeeping of a call; grouping deadlines into 5 ms buckets with one timer per bucket makes
// scheduling and cancelling a Set insert and delete. A bucket fires at its end, so a deadline
// fires at most 5 ms late and never early.

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
