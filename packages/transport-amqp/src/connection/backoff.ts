/** Reconnect backoff: exponential from `initialDelayMs` to `maxDelayMs`, with ± `jitter`. */
export interface BackoffOptions {
  /** Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Default 5 000 ms. */
  readonly maxDelayMs?: number;
  /** Fraction of random spread, 0–1; default 0.2. Spreads reconnects of many clients after a broker restart. */
  readonly jitter?: number;
}

/** The delay before reconnect attempt `attempt` (0 for the first), never above `maxDelayMs`. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.min(max, Math.round(base + spread)));
}
