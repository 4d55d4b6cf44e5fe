// The two sides of a benchmark target that runs in its own process: the parent forks it and
// waits for its messages; the child starts the target and reports its CPU time on request.
import type { ChildProcess } from 'node:child_process';

/** Resolves with the child's next message of `type` (any message when undefined); rejects if it exits first. */
export function next<T>(child: ChildProcess, type?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (type !== undefined && message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`child exited with ${code} while waiting for "${type ?? 'a message'}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A started target: its port, and how to stop it. */
export interface RunningTarget {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * In the child: starts the target named in argv[2] (logging to argv[3]), then answers the parent:
 * `cpu-start` resets the CPU clock, `cpu-stop` reports the CPU microseconds since, `stop` exits.
 */
export async function serveTarget<N extends string>(
  names: readonly N[],
  start: (name: N, logFile: string) => Promise<RunningTarget>,
): Promise<void> {
  const name = process.argv[2] as N;
  if (!names.includes(name)) throw new Error(`Unknown target ${name}; one of ${names.join(', ')}`);
  const target = await start(name, process.argv[3] ?? '/dev/null');
  let base = process.cpuUsage();
  process.on('message', (message: string) => {
    if (message === 'cpu-start') {
      base = process.cpuUsage();
      process.send?.({ type: 'cpu-started' });
    } else if (message === 'cpu-stop') {
      const used = process.cpuUsage(base);
      process.send?.({ type: 'cpu', micros: used.user + used.system });
    } else if (message === 'stop') {
      target.close().then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', port: target.port });
}
