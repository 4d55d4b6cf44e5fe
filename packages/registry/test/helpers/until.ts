import { setTimeout as sleep } from 'node:timers/promises';

/** Reads until `ok` holds or `ms` passed; returns the last value read (the caller asserts on it). */
export async function until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, ms = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await sleep(everyMs);
  }
}
