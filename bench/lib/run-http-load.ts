// The parent's side of http-load.ts: one autocannon run in its own process.
import { fork } from 'node:child_process';
import type { LoadRequest, LoadResult } from './http-load.js';
import { next } from './target-process.js';

const entry = new URL('./http-load.js', import.meta.url);

/** Runs one load in a child process and resolves with its summary. */
export function runHttpLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(entry, { stdio: 'inherit' });
  const result = next<LoadResult>(child);
  child.send(request);
  return result;
}
