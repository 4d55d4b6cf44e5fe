/**
 * Resolves when `work` settles (true) or `signal` aborts (false), whichever comes first; never
 * rejects. For shutdown steps that wait for the broker: past the drain time, nobody waits.
 */
export function settledOrAborted(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    const settled = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    };
    work.then(settled, settled);
  });
}
