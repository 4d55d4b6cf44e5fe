import type { AppOptions } from './app-types.js';
import { APP_ENV, optionsFromEnv } from './env-config.js';
import type { LogDefaults } from './logger.js';

/** The app's options with the WHARF_* variables underneath (code wins), and the log settings they give. */
export function appOptionsWithEnv(options: AppOptions, env: NodeJS.ProcessEnv = process.env): [AppOptions, LogDefaults] {
  const fromEnv = optionsFromEnv(APP_ENV, env);
  const shutdown = { ...options.shutdown };
  if (shutdown.timeoutMs === undefined && fromEnv.shutdownTimeoutMs != null) {
    Object.assign(shutdown, { timeoutMs: fromEnv.shutdownTimeoutMs });
  }
  if (shutdown.drainDelayMs === undefined && fromEnv.drainDelayMs != null) {
    Object.assign(shutdown, { drainDelayMs: fromEnv.drainDelayMs });
  }
  const merged: AppOptions = {
    ...options,
    shutdown,
    defaultTimeoutMs:
      options.defaultTimeoutMs !== undefined ? options.defaultTimeoutMs : (fromEnv.defaultTimeoutMs as number | null | undefined),
  };
  return [merged, { level: fromEnv.logLevel as string | undefined, format: fromEnv.logFormat as LogDefaults['format'] }];
}
