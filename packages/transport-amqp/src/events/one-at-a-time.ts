/**
 * Runs work one at a time per key: work for a key already running waits for it to end (however it
 * ends) before it starts. Keys with nothing running cost one map entry while they run.
 */
export class OneAtATime {
  readonly #running = new Map<string, Promise<void>>();

  async run(key: string, work: () => Promise<void>): Promise<void> {
    for (let prior = this.#running.get(key); prior !== undefined; prior = this.#running.get(key)) await prior;
    let finish!: () => void;
    this.#running.set(
      key,
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    try {
      await work();
    } finally {
      this.#running.delete(key);
      finish();
    }
  }
}
