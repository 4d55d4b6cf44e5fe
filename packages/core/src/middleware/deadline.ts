import { cancelDeadline, type DeadlineHandle, scheduleDeadline } from '../deadline-timer.js';
import { hasOutputStream } from '../endpoint.js';
import { WharfError } from '../errors.js';
import type { EndpointMiddleware, ServerMiddleware } from '../pipeline.js';
import { isAsyncIterable, wrapStream } from '../stream.js';

function expired(service: string, method: string): WharfError {
  return new WharfError('DEADLINE_EXCEEDED', `Deadline exceeded while handling ${service}.${method}`);
}

/**
 * Built-in server middleware: enforces the caller's deadline and cancellation. An already-expired
 * request is refused without running the handler; when the deadline passes or the caller cancels,
 * `ctx.signal` fires and the caller gets DEADLINE_EXCEEDED or CANCELLED at once, even if the
 * handler ignores the signal. A server stream is bounded by the deadline as a whole.
 */
export function deadline(): EndpointMiddleware {
  return {
    name: 'deadline',
    forEndpoint(endpoint) {
      const streams = endpoint.kind === 'rpc' && hasOutputStream(endpoint.stream);
      const enforce: ServerMiddleware = (call, next) => {
        const at = call.deadline;
        if (at !== undefined && at <= Date.now()) return Promise.reject(expired(call.service, call.method));
        return new Promise((resolve, reject) => {
          let handle: DeadlineHandle | undefined;
          if (at !== undefined) handle = scheduleDeadline(at, () => call.abort(expired(call.service, call.method)));
          const release = () => {
            if (handle !== undefined) cancelDeadline(handle);
          };
          const off = call.onAbort((reason) => {
            release();
            reject(reason);
          });
          next().then(
            (out) => {
              off();
              if (streams && isAsyncIterable(out)) resolve(wrapStream(out, { abortable: call, done: release }));
              else {
                release();
                resolve(out);
              }
            },
            (error: unknown) => {
              off();
              release();
              reject(error);
            },
          );
        });
      };
      return enforce;
    },
  };
}
