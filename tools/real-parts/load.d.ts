import type { ChildProcess } from 'node:child_process';

/** Sends at `rate` per second, SIGTERMs `child` after `sigtermAfterMs`, and stops once it has exited (or after `maxMs`). */
export declare function loadUntilExit(options: {
  child: ChildProcess;
  rate: number;
  sigtermAfterMs: number;
  maxMs: number;
  send: (n: number) => void;
}): Promise<{ sent: number; exited: boolean; exitAfterSigtermMs: number }>;
