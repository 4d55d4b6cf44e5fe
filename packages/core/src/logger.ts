import { type Logger, type LoggerOptions, pino } from 'pino';

/** True for something that already is a pino logger. */
function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as Logger).info === 'function'
  );
}

/**
 * The app's root logger: the one given, or a new pino logger at `LOG_LEVEL` (default `info`)
 * writing JSON lines to stdout.
 */
export function createLogger(name: string, options?: Logger | LoggerOptions): Logger {
  if (isLogger(options)) return options;
  return pino({ name, level: process.env.LOG_LEVEL ?? 'info', ...options });
}
