// The errors a breaker answers with, and the one it must not count.
import { WharfError } from '@wharf/core';

/** A call its caller cancelled. */
export function isCancelled(error: unknown): boolean {
  return WharfError.is(error) && error.code === 'CANCELLED';
}

/** opossum's "Breaker is open" as the UNAVAILABLE a caller (and the retry middleware) understands. */
export function toOpenError(key: string, error: unknown): unknown {
  return (error as { code?: string })?.code === 'EOPENBREAKER' ? openError(key) : error;
}

/** The UNAVAILABLE of an open breaker, naming it; it never reached a handler. */
export function openError(key: string): WharfError {
  return new WharfError(
    'UNAVAILABLE',
    `Circuit breaker "${key}" is open after repeated failures; it lets a probe through once its reset time is up`,
    { breaker: key, handlerRan: false },
  );
}
