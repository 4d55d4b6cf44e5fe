import type { ClientMiddleware, ServiceInstance } from '@wharf/core';
import { isTransient } from './transient.js';

/** When an instance is taken out of rotation, and for how long. */
export interface OutlierOptions {
  /** Consecutive transient failures that eject an instance; default 5. */
  readonly consecutiveFailures?: number;
  /** First ejection time; doubled on each ejection in a row, up to `maxEjectionMs`. Default 5 000 ms. */
  readonly baseEjectionMs?: number;
  /** Default 60 000 ms. */
  readonly maxEjectionMs?: number;
}

interface State {
  inFlight: number;
  failures: number;
  ejectedUntil: number;
  ejections: number;
}

/**
 * Per address: calls in flight (for power-of-two-choices) and outlier ejection. An ejected
 * instance is skipped until its time is up; the next call to it is the probe — a success puts it
 * back for good, a failure ejects it again, for twice as long.
 */
export class InstanceStats {
  readonly #states = new Map<string, State>();
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  // When the last ejection made ends (0: none may be in force), so a pick reads the clock (~80 ns
  // on this machine, as much as the rest of the pick) only while some instance may be ejected.
  #ejectionsEnd = 0;

  constructor(options: OutlierOptions = {}) {
    this.#threshold = options.consecutiveFailures ?? 5;
    this.#baseMs = options.baseEjectionMs ?? 5_000;
    this.#maxMs = options.maxEjectionMs ?? 60_000;
  }

  #state(address: string): State {
    let state = this.#states.get(address);
    if (state === undefined) {
      state = { inFlight: 0, failures: 0, ejectedUntil: 0, ejections: 0 };
      this.#states.set(address, state);
    }
    return state;
  }

  inFlight(address: string): number {
    return this.#states.get(address)?.inFlight ?? 0;
  }

  isEjected(address: string, now: number): boolean {
    const state = this.#states.get(address);
    return state !== undefined && state.ejectedUntil > now;
  }

  /** `candidates` without the ejected ones; all of them when every one is ejected (or none is). */
  withoutEjected(candidates: readonly ServiceInstance[]): readonly ServiceInstance[] {
    if (this.#ejectionsEnd === 0) return candidates;
    const now = Date.now();
    if (now >= this.#ejectionsEnd) {
      this.#ejectionsEnd = 0;
      return candidates;
    }
    let healthy: ServiceInstance[] | undefined;
    for (let k = 0; k < candidates.length; k++) {
      const instance = candidates[k] as ServiceInstance;
      if (this.isEjected(instance.address, now)) healthy ??= candidates.slice(0, k);
      else healthy?.push(instance);
    }
    return healthy !== undefined && healthy.length > 0 ? healthy : candidates;
  }

  begin(address: string): void {
    this.#state(address).inFlight++;
  }

  /** Records how a call ended; `error` undefined for success. */
  end(address: string, error: unknown): void {
    const state = this.#state(address);
    state.inFlight--;
    if (error === undefined || !isTransient(error)) {
      state.failures = 0;
      if (error === undefined) state.ejections = 0;
      return;
    }
    this.#failed(state);
  }

  /** A call the instance's open breaker refused, never sent: a transient failure of the instance. */
  refused(address: string): void {
    this.#failed(this.#state(address));
  }

  #failed(state: State): void {
    if (++state.failures < this.#threshold) return;
    state.failures = 0;
    state.ejectedUntil = Date.now() + Math.min(this.#maxMs, this.#baseMs * 2 ** state.ejections);
    state.ejections++;
    this.#ejectionsEnd = Math.max(this.#ejectionsEnd, state.ejectedUntil);
  }

  /** Forgets addresses that are no longer registered. */
  retain(addresses: ReadonlySet<string>): void {
    for (const address of this.#states.keys()) if (!addresses.has(address)) this.#states.delete(address);
  }
}

/** `sent`, with its outcome recorded in `stats` for `address` once it ends (its start was recorded). */
export function recordEnd(stats: InstanceStats, address: string, sent: Promise<unknown>): Promise<unknown> {
  return sent.then(
    (result) => {
      stats.end(address, undefined);
      return result;
    },
    (error: unknown) => {
      stats.end(address, error);
      throw error;
    },
  );
}

/**
 * Client middleware that records each call in `stats`: in flight while it runs (for
 * power-of-two-choices), then its outcome (for outlier ejection). Put it after `resolve`.
 */
export function trackCalls(stats: InstanceStats): ClientMiddleware {
  return (call, next) => {
    if (call.kind !== 'rpc' || call.address === undefined) return next();
    stats.begin(call.address);
    return recordEnd(stats, call.address, next());
  };
}
