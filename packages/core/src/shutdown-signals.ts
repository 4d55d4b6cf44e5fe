import type { Logger } from 'pino';

/** What signal handling needs from the app. */
export interface Stoppable {
  readonly logger: Logger;
  /** True once a stop has begun (a second signal then exits at once). */
  readonly stopping: boolean;
  stop(): Promise<void>;
}

/**
 * Installs handlers that stop `app` gracefully on `signals` (then exit with 0, or 1 if the stop
 * failed, unless `exit` is false); a second signal while draining exits at once with 130.
 * Returns the function that removes them.
 */
export function handleShutdownSignals(app: Stoppable, signals: readonly NodeJS.Signals[], exit: boolean): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (app.stopping) {
      app.logger.warn(`Received ${signal} again while draining; exiting now`);
      process.exit(130);
    }
    app.logger.info(`Received ${signal}; draining`);
    app.stop().then(
      () => {
        if (exit) process.exit(0);
      },
      (error: unknown) => {
        app.logger.error({ err: error }, 'Shutdown failed');
        if (exit) process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
