import { type ClientMiddleware, type RpcCall, WharfError } from '@wharf/core';
import { hasInputStream } from '@wharf/core/transport';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import { TRIED } from './route-balancer.js';
import { isTransient, neverReachedHandler } from './transient.js';

/** When and how often a call is tried again. */
export interface RetryOptions {
  /** Tries in all, the first included; default 3. */
  readonly maxAttempts?: number;
  /** Backoff before retry n is random in [0, min(capMs, baseMs × 2^(n-1))] (full jitter). Default 25 ms. */
  readonly baseMs?: number;
  /** Default 1 000 ms. */
  readonly capMs?: number;
  /** The retry budget, or its options; default 10 % of calls. Share one between clients to cap them together. */
  readonly budget?: RetryBudget | RetryBudgetOptions;
}

// `call.locals` key: the caller gave an address, so every try goes there.
const PINNED = 'wharf.registry.pinned';

/** Waits `ms`, or less if `signal` aborts first: a caller that cancels is answered at once. */
function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Retries only where it is safe: methods declared `idempotent` (on any transient failure), or
 * failures that never reached a handler (refused connection, no instance, open breaker, bulkhead
 * refusal). Each retry goes to another instance where there is one, waits a full-jitter backoff,
 * never runs past the call's deadline, and draws from a budget. Calls with a streamed input are
 * never retried (the stream cannot be replayed). Put it before `resolve`.
 */
export function retry(options: RetryOptions = {}): ClientMiddleware {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseMs = options.baseMs ?? 25;
  const capMs = options.capMs ?? 1_000;
  const budget = options.budget instanceof RetryBudget ? options.budget : new RetryBudget(options.budget);

  async function again(call: RpcCall, next: () => Promise<unknown>, first: unknown): Promise<unknown> {
    const pinned = call.locals[PINNED] === true;
    const idempotent = call.ref.idempotent === true;
    let error = first;
    for (let attempt = 1; ; attempt++) {
      if (attempt >= maxAttempts || call.signal?.aborted) throw error;
      if (!(neverReachedHandler(error, call) || (idempotent && isTransient(error)))) throw error;
      const delay = Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
      if (call.deadline !== undefined && Date.now() + delay >= call.deadline) throw error;
      if (!budget.tryRetry()) throw error;
      if (!pinned && call.address !== undefined) {
        let tried = call.locals[TRIED] as Set<string> | undefined;
        if (tried === undefined) call.locals[TRIED] = tried = new Set();
        tried.add(call.address);
        // Let `resolve` choose again, this time without the instances already tried.
        call.address = undefined;
        call.via = undefined;
        call.transport = undefined;
      }
      if (delay >= 1) await backoff(delay, call.signal);
      if (call.signal?.aborted) throw WharfError.is(error) ? error : new WharfError('CANCELLED', 'The call was cancelled');
      try {
        return await next();
      } catch (failure) {
        error = failure;
      }
    }
  }

  // The first try costs no async frame: the retry loop starts only once it failed.
  return (call, next) => {
    if (call.kind !== 'rpc' || hasInputStream(call.ref.stream)) return next();
    budget.recordCall();
    if (call.address !== undefined) call.locals[PINNED] = true;
    return next().catch((error: unknown) => again(call, next, error));
  };
}
