import { type ErrorCode, type RpcCall, WharfError } from '@wharf/core';

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
 *
 * With `call`, the failure must also be about that call's own hop. A handler that ran (and did
 * its work) and then failed on its own dependency rethrows that dependency's refused connection,
 * missing instance or open breaker; taken as this call's, it would run the handler again.
 */
export function neverReachedHandler(error: unknown, call?: RpcCall): boolean {
  if (!WharfError.is(error)) return false;
  if (call !== undefined && !aboutThisHop(error, call)) return false;
  if (error.details?.handlerRan === false) return true;
  return error.code === 'UNAVAILABLE' && NOT_SENT.test(error.message);
}

/** True unless the error names another endpoint, service or address than the call's. */
function aboutThisHop(error: WharfError, call: RpcCall): boolean {
  const { breaker, bulkhead } = error.details ?? {};
  if (typeof breaker === 'string') return breaker === `${call.ref.fullName} @ ${call.address}`;
  if (typeof bulkhead === 'string') return bulkhead === call.ref.fullName;
  const message = error.message;
  if (message.startsWith('No instance of ')) return message.startsWith(`No instance of ${call.ref.service} v${call.ref.major} `);
  // A refused connection names where it was refused: this call's address, or another hop's.
  if (NOT_SENT.test(message)) return call.address !== undefined && message.includes(hostOf(call.address));
  return true;
}

function hostOf(address: string): string {
  try {
    return new URL(address).host || address;
  } catch {
    return address;
  }
}
