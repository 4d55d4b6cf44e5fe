import { type ErrorCode, WharfError } from '@wharf/core';

/**
 * Codes that say "this instance is in trouble", as opposed to "this request is wrong": only these
 * count against a breaker or an instance, and only these are retried on idempotent methods.
 */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
  'UNKNOWN',
  'RESOURCE_EXHAUSTED',
]);

/** True for an error with a transient code (anything that is not a WharfError counts as UNKNOWN). */
export function isTransient(error: unknown): boolean {
  return WharfError.is(error) ? TRANSIENT_CODES.has(error.code) : true;
}

// What transports say when the connection itself failed: the request never left this process.
const NOT_SENT = /ECONNREFUSED|No connection established|No instance of|is not a (gRPC|valid http)/;

/**
 * True when a failure provably never reached a handler: an open breaker, a bulkhead or rate limit
 * that refused it (`details.handlerRan === false`), no instance to send to, or a refused
 * connection. Such a call is safe to retry even when its method is not idempotent.
 */
export function neverReachedHandler(error: unknown): boolean {
  if (!WharfError.is(error)) return false;
  if (error.details?.handlerRan === false) return true;
  return error.code === 'UNAVAILABLE' && NOT_SENT.test(error.message);
}
