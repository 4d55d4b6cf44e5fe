// Optional CPU pinning for benchmarks on a small shared machine: the server under test on CPU 0,
// the load generators (this process's later children) on the others, so the two stop taking
// each other's core and a round measures the server rather than the scheduler.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** True when `WHARF_BENCH_PIN=1` asks for pinning and `taskset` and two CPUs are there. */
export const pinning = (() => {
  if (process.env.WHARF_BENCH_PIN !== '1') return false;
  if (availableParallelism() < 2) return false;
  try {
    // -a: every thread, V8's GC and compiler threads included, not only the main one.
    execFileSync('taskset', ['-a', '-p', '-c', `1-${availableParallelism() - 1}`, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Moves `child` (every thread of it) to CPU 0 when pinning; a no-op otherwise. */
export function pinServer(child: ChildProcess): void {
  if (!pinning || child.pid === undefined) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(child.pid)], { stdio: 'ignore' });
  } catch (error) {
    // A child that exited (or a thread that ended mid-call) is not worth killing the bench over.
    console.warn(`Could not pin process ${child.pid} to CPU 0: ${(error as Error).message}`);
  }
}
