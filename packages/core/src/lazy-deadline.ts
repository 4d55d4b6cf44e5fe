// Reading the clock costs ~50 ns here, a sixth of an in-process call, and most in-process calls
// end long before anything looks at their deadline. So a call whose deadline is only "its timeout
// from now" starts without reading the clock: it notes the current epoch, and its deadline is the
// epoch's end plus its timeout. An epoch ends — one clock reading for every call it holds — when a
// deadline of it is first needed (read by middleware, a handler, a nested call, the sweep), after
// EPOCH_CALLS calls, or when a timer of EPOCH_MS fires, whichever comes first. So a deadline counts
// from a moment at or a little after its call began, never before: it can only end later than an
// exact one, by at most about EPOCH_MS or the time EPOCH_CALLS calls take in one event-loop turn —
// the order of the lag of the timer that enforces it anyway.

// Node's own timer, not the global one that test fake timers replace: a fake timer object kept
// across epochs would never fire once the fakes are uninstalled, and pending deadlines would then
// end only by count.
import { setTimeout } from 'node:timers';

/** A span of time whose calls share one clock reading: the one taken when it ended. */
export class Epoch {
  /** The clock reading that ended this epoch; NaN while it is the current one. */
  end = Number.NaN;
}

/** Told when an epoch ends (the dispatcher, to arm its sweep for the deadlines it just learnt). */
export interface EpochWatcher {
  epochEnded(end: number): void;
}

const EPOCH_CALLS = 256;
const EPOCH_MS = 1;

let current = new Epoch();
let calls = 0;
let watchers: EpochWatcher[] = [];
let timer: NodeJS.Timeout | undefined;
let armed = false;

function fire(): void {
  armed = false;
  if (calls > 0) endEpoch();
}

/** The epoch a new pending deadline belongs to. */
export function epochNow(): Epoch {
  if (++calls > EPOCH_CALLS) endEpoch();
  if (!armed) {
    armed = true;
    if (timer === undefined) {
      timer = setTimeout(fire, EPOCH_MS);
      timer.unref();
    } else timer.refresh();
  }
  return current;
}

/** Has `watcher` told when the current epoch ends. */
export function watchEpoch(watcher: EpochWatcher): void {
  watchers.push(watcher);
}

/** Ends the current epoch at the clock's reading now. */
function endEpoch(): void {
  const ended = current;
  const told = watchers;
  current = new Epoch();
  calls = 0;
  watchers = [];
  ended.end = Date.now();
  for (const watcher of told) watcher.epochEnded(ended.end);
}

/** The deadline `pendingMs` from the end of `epoch`, ending it now if it is the current one. */
export function deadlineAfter(epoch: Epoch, pendingMs: number): number {
  // biome-ignore lint/suspicious/noSelfCompare: NaN is the only value that differs from itself.
  if (epoch.end !== epoch.end) endEpoch();
  return epoch.end + pendingMs;
}

/** Whether `epoch` has ended (its deadlines are known without reading the clock). */
export function ended(epoch: Epoch): boolean {
  // biome-ignore lint/suspicious/noSelfCompare: NaN is the only value that differs from itself.
  return epoch.end === epoch.end;
}
