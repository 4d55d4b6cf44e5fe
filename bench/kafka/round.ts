import { percentile } from '../lib/stats.js';

/** One round's figures. */
export interface Round {
  /** Emits acknowledged per second, first emit to last acknowledgement. */
  readonly producedPerS: number;
  /** Events handled per second, first emit to last handled: end to end. */
  readonly consumedPerS: number;
  /** Emit → handler latency. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time (user + system) of the process per event, producing and consuming it. */
  readonly cpuUsPerEvent: number;
}

/** What a round runs against. */
export interface RoundOptions {
  readonly brokers: readonly string[];
  readonly namespace: string;
  readonly events: number;
  readonly inFlight: number;
}

/** The payload every event carries: a key, a send time for the latency, and ~100 bytes of data. */
export function payload(n: number): { id: string; n: number; sentAt: number; note: string } {
  return { id: `acct-${n % 100}`, n, sentAt: performance.timeOrigin + performance.now(), note: 'x'.repeat(60) };
}

/** Emits `events` with at most `inFlight` unacknowledged, and waits until `handled()` reaches them all. */
export async function drive(
  options: RoundOptions,
  emit: (n: number) => Promise<unknown>,
  handled: () => number,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const pump = () => {
      while (active < options.inFlight && next < options.events) {
        active++;
        emit(next++).then(() => {
          active--;
          if (next >= options.events && active === 0) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  const producedMs = performance.now() - started;
  const until = Date.now() + 120_000;
  while (handled() < options.events) {
    if (Date.now() > until) throw new Error(`only ${handled()} of ${options.events} events were handled within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return producedMs;
}

/** The round's figures from its timings. */
export function figures(
  options: RoundOptions,
  producedMs: number,
  consumedMs: number,
  latencies: readonly number[],
  cpu: NodeJS.CpuUsage,
): Round {
  return {
    cpuUsPerEvent: (cpu.user + cpu.system) / options.events,
    producedPerS: (options.events / producedMs) * 1000,
    consumedPerS: (options.events / consumedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Epoch ms with a fraction, comparable across the producer and consumer of one process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
