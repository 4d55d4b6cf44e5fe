import type { Log } from './log.js';

/** Longest a kind of warning stays quiet: the first of a flood is logged at once, the rest counted. */
const INTERVAL_MS = 10_000;

interface Window {
  quietUntil: number;
  left: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Warnings a client can trigger at will (a flood of malformed requests was 2 000 lines for 2 000
 * messages): the first of each kind is logged at once, the next ones in the same interval only
 * counted, and one line at the end of the interval says how many were left out. The stats count
 * every one.
 */
export class ThrottledWarnings {
  readonly #log: Log;
  readonly #intervalMs: number;
  readonly #windows = new Map<string, Window>();

  constructor(log: Log, intervalMs = INTERVAL_MS) {
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /** Logs `msg` as a warning unless one of the same `kind` was logged less than the interval ago. */
  warn(kind: string, obj: object, msg: string): void {
    const now = Date.now();
    const window = this.#windows.get(kind);
    if (window !== undefined && now < window.quietUntil) {
      window.left++;
      window.timer ??= setTimeout(() => this.#summary(kind, msg), window.quietUntil - now).unref();
      return;
    }
    this.#windows.set(kind, { quietUntil: now + this.#intervalMs, left: 0, timer: undefined });
    this.#log.warn(obj, msg);
  }

  #summary(kind: string, msg: string): void {
    const window = this.#windows.get(kind);
    if (window === undefined) return;
    this.#windows.delete(kind);
    if (window.left > 0) {
      this.#log.warn(
        { kind, suppressed: window.left },
        `${window.left} more like this in the last ${this.#intervalMs} ms: ${msg}`,
      );
    }
  }
}
