// The parent side of a load run: autocannon in its own process (lib/http-load.ts), its summary back.
import { fork } from 'node:child_process';
import type { LoadRequest, LoadResult } from './http-load.js';
import { next } from './target-process.js';

const entry = new URL('./http-load.js', import.meta.url);

/** Runs one load in a child process and resolves with its summary. */
export function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(entry, { stdio: 'inherit' });
  const result = next<LoadResult>(child);
  child.send(request);
  return result;
}
