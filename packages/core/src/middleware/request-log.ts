import type { Level, Logger } from 'pino';
import type { ServerCall } from '../context.js';
import { toWharfError } from '../errors.js';
import { DIRECT, type Fusable, INPUT, type Layer, type ServerMiddleware, settled } from '../pipeline.js';

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
class LevelCheck {
  readonly level: Level;
  #logger: Logger | undefined;
  #method: unknown;
  #enabled = false;

  constructor(level: Level) {
    this.level = level;
  }

  enabled(logger: Logger): boolean {
    const method = logger[this.level];
    if (logger !== this.#logger || method !== this.#method) {
      this.#logger = logger;
      this.#method = method;
      this.#enabled = logger.isLevelEnabled(this.level);
    }
    return this.#enabled;
  }
}

function logged(level: Level, call: ServerCall, next: () => Promise<unknown>): Promise<unknown> {
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
}

class RequestLogLayer implements Layer<ServerCall> {
  readonly #check: LevelCheck;
  readonly #inner: Layer<ServerCall>;

  constructor(check: LevelCheck, inner: Layer<ServerCall>) {
    this.#check = check;
    this.#inner = inner;
  }

  run(call: ServerCall): Promise<unknown> {
    const check = this.#check;
    if (!check.enabled(call.appLogger)) return this.#inner.run(call);
    const inner = this.#inner;
    return logged(check.level, call, () => settled(inner, call));
  }
}

/**
 * Built-in server middleware: one structured line per request (service, method, transport,
 * code, duration). Costs one level check when the level is off. Unexpected errors are logged
 * with their stack by the dispatcher whatever this says.
 */
export function requestLog(options: RequestLogOptions = {}): ServerMiddleware {
  const check = new LevelCheck(options.level ?? 'debug');
  const middleware: Fusable<ServerCall> = (call, next) =>
    check.enabled(call.appLogger) ? logged(check.level, call, next) : next();
  middleware[DIRECT] = (inner) => new RequestLogLayer(check, inner);
  middleware[INPUT] = 'ignores';
  return middleware;
}
