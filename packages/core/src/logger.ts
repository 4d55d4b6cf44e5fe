import { type Logger, type LoggerOptions, pino } from 'pino';
import { prettyDestination } from './pretty-log.js';

/** True for something that already is a pino logger. */
function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as Logger).info === 'function'
  );
}

/** Where and how the app logs when the environment decides (see APP_ENV). */
export interface LogDefaults {
  readonly level?: string;
  readonly format?: 'pretty' | 'json';
}

/**
 * The app's root logger: the one given, or a new pino logger at `level` (default `info`) writing
 * readable lines on a terminal and JSON lines otherwise (or as `format` says). A level given in
 * `options` wins.
 */
export function createLogger(name: string, options?: Logger | LoggerOptions, defaults: LogDefaults = {}): Logger {
  if (isLogger(options)) return options;
  const level = defaults.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = (defaults.format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  const settings = { name, level, ...options };
  return pretty && options?.transport === undefined ? pino(settings, prettyDestination()) : pino(settings);
}
