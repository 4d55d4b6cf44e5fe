// Reading the clock costs ~50 ns here, a sixth of an in-process call, and most in-process calls
// end long before anything looks at their deadline. So a call whose deadline is only "its timeout
// from now" starts without reading the clock; its deadline is fixed when first needed — read by
// middleware, the handler, a nested call or the sweep — and in any case soon: every pending
// deadline is fixed together, from one clock reading, when PENDING_LIMIT of them wait or a timer
// of MAX_PENDING_MS fires, whichever comes first. A deadline fixed that way counts from a moment a
// little after the call began (never before it): it can only end later than the exact one, by at
// most about a millisecond or the time PENDING_LIMIT calls take in one event-loop turn — the
// same order as the lag of the timer that enforces it.

/** Something holding a deadline that is `timeoutMs` from whenever it is fixed. */
export interface PendingDeadline {
  /** Fixes the deadline at `now` + its timeout, if still pending. */
  fix(now: number): void;
}

/** Told when a pending deadline it enforces is fixed (the dispatcher, to arm its sweep). */
export interface DeadlineWatcher {
  deadlineFixed(at: number): void;
}

const PENDING_LIMIT = 64;
const MAX_PENDING_MS = 1;

const pending: PendingDeadline[] = [];
let timer: NodeJS.Timeout | undefined;
let armed = false;

function fire(): void {
  armed = false;
  if (pending.length > 0) fixPending();
}

/** Registers a pending deadline: it is fixed within the bounds above unless read first. */
export function enlist(deadline: PendingDeadline): void {
  if (pending.push(deadline) >= PENDING_LIMIT) {
    fixPending();
    return;
  }
  if (armed) return;
  armed = true;
  if (timer === undefined) {
    timer = setTimeout(fire, MAX_PENDING_MS);
    timer.unref();
  } else timer.refresh();
}

/** Fixes every pending deadline from one clock reading, and returns that reading. */
export function fixPending(): number {
  const now = Date.now();
  // Fixing notifies dispatchers, which never enlist: the list does not change under the loop.
  for (let i = 0; i < pending.length; i++) (pending[i] as PendingDeadline).fix(now);
  pending.length = 0;
  return now;
}
