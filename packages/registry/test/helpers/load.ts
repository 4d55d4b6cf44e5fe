// A steady, bounded load loop: `concurrency` workers calling until stopped, counting outcomes.
import { setTimeout as sleep } from 'node:timers/promises';

/** What a load loop saw. */
export interface LoadCounts {
  ok: number;
  failed: number;
  /** Error codes (or messages) of the failures, with counts. */
  readonly errors: Record<string, number>;
  /** Answers per key (e.g. per instance or release). */
  readonly byKey: Record<string, number>;
}

/** A running load loop; `stop()` resolves once every worker finished its last call. */
export interface Load {
  readonly counts: LoadCounts;
  stop(): Promise<LoadCounts>;
}

/** Calls `call` from `concurrency` workers, `pauseMs` apart each, until stopped or `maxMs` passed. */
export function steadyLoad(
  call: () => Promise<string>,
  options: { concurrency?: number; pauseMs?: number; maxMs?: number } = {},
): Load {
  const counts: LoadCounts = { ok: 0, failed: 0, errors: {}, byKey: {} };
  let running = true;
  const until = Date.now() + (options.maxMs ?? 120_000);
  const worker = async () => {
    while (running && Date.now() < until) {
      try {
        const key = await call();
        counts.ok++;
        counts.byKey[key] = (counts.byKey[key] ?? 0) + 1;
      } catch (error) {
        counts.failed++;
        const code = (error as { code?: string }).code ?? String(error);
        counts.errors[code] = (counts.errors[code] ?? 0) + 1;
      }
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, worker);
  return {
    counts,
    async stop() {
      running = false;
      await Promise.all(workers);
      return counts;
    },
  };
}
