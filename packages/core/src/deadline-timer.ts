// A shared, coarse timer for deadlines. Per-call setTimeout/clearTimeout costs ~230 ns here,
// more than the rest of an in-process call; grouping deadlines into 5 ms buckets with one timer
// per bucket makes scheduling and cancelling a Set insert and delete. A bucket fires at its end,
// so a deadline fires at most 5 ms late and never early.

const RESOLUTION_MS = 5;

/** A scheduled deadline; pass it to `cancelDeadline`. */
export interface DeadlineHandle {
  readonly at: number;
  readonly fire: () => void;
}

interface Bucket {
  readonly entries: Set<DeadlineHandle>;
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
export function scheduleDeadline(at: number, fire: () => void): DeadlineHandle {
  const handle: DeadlineHandle = { at, fire };
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

/** Cancels a scheduled deadline; harmless when it already fired. */
export function cancelDeadline(handle: DeadlineHandle): void {
  const key = Math.ceil(handle.at / RESOLUTION_MS) * RESOLUTION_MS;
  const bucket = buckets.get(key);
  if (bucket === undefined || !bucket.entries.delete(handle) || bucket.entries.size > 0) return;
  clearTimeout(bucket.timer);
  buckets.delete(key);
}
