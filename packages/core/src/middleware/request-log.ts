import type { Level } from 'pino';
import { toWharfError } from '../errors.js';
import type { ServerMiddleware } from '../pipeline.js';

/** Options of the built-in request log. */
export interface RequestLogOptions {
  /** The level of the one line per request; `debug` by default, so production (`info`) skips it. */
  readonly level?: Level;
}

/**
 * Built-in server middleware: one structured line per request (service, method, transport,
 * code, duration). Costs one level check when the level is off. Unexpected errors are logged
 * with their stack by the dispatcher whatever this says.
 */
export function requestLog(options: RequestLogOptions = {}): ServerMiddleware {
  const level = options.level ?? 'debug';
  return (call, next) => {
    if (!call.appLogger.isLevelEnabled(level)) return next();
    const started = performance.now();
    const line = (code: string) => {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      call.log[level]({ transport: call.transport, code, durationMs }, `${call.service}.${call.method} ${code} ${durationMs}ms`);
    };
    return next().then(
      (out) => {
        line('OK');
        return out;
      },
      (error: unknown) => {
        line(toWharfError(error).code);
        throw error;
      },
    );
  };
}
