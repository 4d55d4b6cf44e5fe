import type { Endpoint, EndpointMiddleware, ServerCall } from '@wharf/core';
import { WharfError } from '@wharf/core';

/** How many calls one endpoint may run and queue. */
export interface BulkheadLimits {
  /** Calls running at once; default 64. */
  readonly maxConcurrent?: number;
  /** Calls waiting for a slot; default 64. Beyond it: RESOURCE_EXHAUSTED at once. */
  readonly maxQueue?: number;
}

/** A bulkhead's limits, per endpoint if needed. */
export interface BulkheadOptions extends BulkheadLimits {
  /** Limits for one endpoint, or `false` to leave it out; the defaults above otherwise. */
  readonly endpoints?: (endpoint: Endpoint) => BulkheadLimits | false | undefined;
  /** The retry hint sent with a refusal (`Retry-After` over HTTP); default 1 000 ms. */
  readonly retryAfterMs?: number;
}

/**
 * Server-side bulkhead: at most N calls run at once per endpoint, a bounded queue waits, and the
 * rest are refused with RESOURCE_EXHAUSTED (HTTP 429 with `Retry-After`) before any handler runs —
 * so one slow endpoint cannot take every socket, worker and byte of memory of the process.
 * A queued call whose deadline passes or whose caller cancels leaves the queue.
 */
export function bulkhead(options: BulkheadOptions = {}): EndpointMiddleware {
  return {
    name: 'bulkhead',
    forEndpoint(endpoint) {
      const limits = options.endpoints?.(endpoint);
      if (limits === false) return undefined;
      const max = limits?.maxConcurrent ?? options.maxConcurrent ?? 64;
      const maxQueue = limits?.maxQueue ?? options.maxQueue ?? 64;
      const retryAfterMs = options.retryAfterMs ?? 1_000;
      const queue: (() => void)[] = [];
      let running = 0;

      const release = () => {
        const wake = queue.shift();
        if (wake !== undefined) wake();
        else running--;
      };
      const run = (next: () => Promise<unknown>) => {
        let result: Promise<unknown>;
        try {
          result = next();
        } catch (error) {
          result = Promise.reject(error);
        }
        return result.finally(release);
      };

      return (call: ServerCall, next) => {
        // Aborted on its way here (middleware before this one took its time): its caller has its
        // answer, and an abort listener added now would never fire, leaving it queued.
        if (call.abortReason !== undefined) return Promise.reject(call.abortReason);
        if (running < max) {
          running++;
          return run(next);
        }
        if (queue.length >= maxQueue) {
          return Promise.reject(
            new WharfError(
              'RESOURCE_EXHAUSTED',
              `${endpoint.fullName} is at its limit of ${max} concurrent calls and ${maxQueue} queued; retry later`,
              { bulkhead: endpoint.fullName, retryAfterMs, handlerRan: false },
            ),
          );
        }
        return new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            const at = queue.indexOf(wake);
            if (at >= 0) queue.splice(at, 1);
            reject(call.abortReason ?? new WharfError('CANCELLED', 'The call was cancelled while queued'));
          };
          // A slot is handed over as is (`running` unchanged): the woken call now holds it.
          const wake = () => {
            call.signal.removeEventListener('abort', onAbort);
            resolve();
          };
          queue.push(wake);
          call.signal.addEventListener('abort', onAbort, { once: true });
        }).then(() => run(next));
      };
    },
  };
}
