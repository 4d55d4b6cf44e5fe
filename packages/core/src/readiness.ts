import type { Logger } from 'pino';

/**
 * An app's readiness: ready when the app says it is running and no transport holds it back
 * ("consumers not attached yet"). Listeners hear each change once, in order.
 */
export class Readiness {
  readonly #logger: Logger;
  readonly #holds = new Map<string, string>();
  readonly #listeners = new Set<(ready: boolean) => void>();
  #running = false;
  #last = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get ready(): boolean {
    return this.#running && this.#holds.size === 0;
  }

  /** Why the app is not ready, by transport (empty when none holds it back). */
  get holds(): ReadonlyMap<string, string> {
    return this.#holds;
  }

  /** The app's own part: true while it is started and not draining. */
  setRunning(running: boolean): void {
    this.#running = running;
    this.#notify();
  }

  /** A transport's part: `ready: false` holds the whole app not-ready, with a reason. */
  set(holder: string, ready: boolean, reason = 'not ready'): void {
    if (ready) this.#holds.delete(holder);
    else this.#holds.set(holder, reason);
    this.#notify();
  }

  onChange(listener: (ready: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    const ready = this.ready;
    if (ready === this.#last) return;
    this.#last = ready;
    for (const listener of this.#listeners) {
      try {
        listener(ready);
      } catch (error) {
        this.#logger.error({ err: error }, 'A readiness listener threw');
      }
    }
  }
}
