import { WharfError } from './errors.js';

/**
 * The error of an outbound call that its caller stopped, given the caller's signal or the reason it
 * stopped with (what `OutboundCall.onCancel` hands over): DEADLINE_EXCEEDED when the
 * deadline is why — the reason says so (a handler's `ctx.signal` fires with the
 * DEADLINE_EXCEEDED its own deadline gave it, and the call inherited that deadline) or the call's
 * deadline has passed — otherwise CANCELLED. Every transport's client half answers with it, so one
 * cause gives one code whichever transport carried the call; before, the handler's signal and the
 * call's own deadline timer raced, and the loser's code depended on the transport.
 */
export function stoppedCallError(cause: AbortSignal | unknown, deadline: number | undefined, what: string): WharfError {
  const reason: unknown = cause instanceof AbortSignal ? cause.reason : cause;
  const expired =
    (WharfError.is(reason) && reason.code === 'DEADLINE_EXCEEDED') || (deadline !== undefined && Date.now() >= deadline);
  return expired
    ? new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded waiting for ${what}`)
    : new WharfError('CANCELLED', `The call to ${what} was cancelled by its caller`);
}
