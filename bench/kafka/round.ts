// What the two processes of a round share: the payload, the emit loop, and their reports.

/** Where a round runs and how much it sends. */
export interface RoundOptions {
  readonly brokers: readonly string[];
  readonly namespace: string;
  readonly events: number;
  readonly inFlight: number;
}

/** A producer process's report. */
export interface ProducerReport {
  readonly type: 'produced';
  /** Epoch ms of the first emit. */
  readonly startedAt: number;
  readonly producedMs: number;
  readonly cpuMicros: number;
}

/** A consumer process's report, once it handled every event. */
export interface ConsumerReport {
  readonly type: 'consumed';
  /** Epoch ms of the last event handled. */
  readonly lastAt: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicros: number;
}

/** The payload every event carries: a key, a send time for the latency, and ~100 bytes of data. */
export function payload(n: number): { id: string; n: number; sentAt: number; note: string } {
  return { id: `acct-${n % 100}`, n, sentAt: now(), note: 'x'.repeat(60) };
}

/** Epoch ms with a fraction (both processes read the same clock). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Emits `events` with at most `inFlight` unacknowledged; resolves with the time it took. */
export async function emitAll(options: RoundOptions, emit: (n: number) => Promise<unknown>): Promise<number> {
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
  return performance.now() - started;
}
