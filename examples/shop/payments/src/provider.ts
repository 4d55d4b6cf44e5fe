import { createHash } from 'node:crypto';

/** How the simulated card network behaves. */
export interface ProviderBehaviour {
  /** Each charge takes between these (ms). */
  readonly latencyMs: readonly [number, number];
  /** Share of charges declined, 0–1. Decided by the key, so a repeat is declined (or not) again. */
  readonly failureRate: number;
}

/** `"20-80"` → [20, 80]; `"50"` → [50, 50]. */
export function parseLatency(text: string | undefined, fallback: readonly [number, number]): readonly [number, number] {
  if (text === undefined || text === '') return fallback;
  const [low, high = low] = text.split('-').map(Number);
  return [low ?? fallback[0], high ?? fallback[1]];
}

/** Whether the card network declines the charge with `key`: a fixed answer per key. */
export function declined(key: string, failureRate: number): boolean {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32 < failureRate;
}

export function latency([low, high]: readonly [number, number]): number {
  return low + Math.random() * (high - low);
}
