import type { Level, Logger } from 'pino';
import type { ServerCall } from '../context.js';
import { toWharfError } from '../errors.js';
import { DIRECT, type Fusable, INPUT, type ServerMiddleware, settled } from '../pipeline.js';

/** Options of the built-in request log. */
export interface RequestLogOptions {
  /** The level of the one line per request; `debug` by default, so production (`info`) skips it. */
  readonly level?: Level;
}

/**
 * Whether `level` is enabled on a logger, answered from a cache: pino's `isLevelEnabled` costs
 * ~20 ns on a root logger, a real share of an in-process call, on every request. pino replaces a
 * logger's level methods whenever its level changes, so the cached answer stays valid for as long
 * as the method it was taken with is still the logger's.
 */
function levelCheck(level: Level): (logger: Logger) => boolean {
  let logger: Logger | undefined;
  let method: unknown;
  let enabled = false;
  return (current) => {
    const now = current[level];
    if (current !== logger || now !== method) {
      logger = current;
      method = now;
      enabled = current.isLevelEnabled(level);
    }
    return enabled;
  };
}

/**
 * Built-in server middleware: one structured line per request (service, method, transport,
 * code, duration). Costs one level check when the level is off. Unexpected errors are logged
 * with their stack by the dispatcher whatever this says.
 */
export function requestLog(options: RequestLogOptions = {}): ServerMiddleware {
  const level = options.level ?? 'debug';
  const logged = (call: ServerCall, next: () => Promise<unknown>) => {
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
  const enabled = levelCheck(level);
  const middleware: Fusable<ServerCall> = (call, next) => (enabled(call.appLogger) ? logged(call, next) : next());
  middleware[DIRECT] = (inner) => (call) => (enabled(call.appLogger) ? logged(call, () => settled(inner, call)) : inner(call));
  middleware[INPUT] = 'ignores';
  return middleware;
}
