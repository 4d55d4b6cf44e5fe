/** A consumed record as the transport sees it: string key and headers, raw value. */
export interface InRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | undefined;
  readonly value: Buffer | undefined;
  readonly headers: ReadonlyMap<string, string>;
  /** Commits this record's offset + 1 (with its leader epoch). */
  commit(): void | Promise<void>;
}

/**
 * A commit the broker has not answered in this long is given up, so the next one (a higher offset,
 * which supersedes it) can go: a commit lost with its connection must not stop a partition's
 * commits for good, or everything after it would be delivered again after the next rebalance.
 */
const COMMIT_TIMEOUT_MS = 10_000;

/** An offset commit the broker did not answer in time. */
export class CommitTimeout extends Error {}

function withTimeout(work: void | Promise<void>, ms: number): Promise<void> {
  if (work === undefined) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommitTimeout(`No answer to an offset commit within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

interface Slot {
  readonly record: InRecord;
  done: boolean;
}

/**
 * The work of one partition in one consumer generation: records run one after the other per key
 * (so one entity's events stay in order) and concurrently across keys, and the committed offset
 * only ever advances past records that are done — never past one still running or failed to copy.
 */
export class PartitionWork {
  /**
   * Records in arrival (offset) order from `#head` on. Entries before `#head` are cleared as it
   * passes them: a record keeps its value — a slice holding the client's whole fetch buffer —
   * alive, and keeping a thousand finished ones until the next splice made every young-generation
   * collection copy them.
   */
  readonly #slots: (Slot | undefined)[] = [];
  #head = 0;
  readonly #chains = new Map<string, Promise<void>>();
  #committing: Promise<void> | undefined;
  #toCommit: InRecord | undefined;
  #abandoned = false;
  readonly #onCommitError: (error: unknown) => void;

  constructor(onCommitError: (error: unknown) => void) {
    this.#onCommitError = onCommitError;
  }

  /** The next offset this generation expects; a record below it means the consumer rewound. */
  next = -1n;

  /** Records started and not committed. */
  get open(): number {
    return this.#slots.length - this.#head;
  }

  /** Stop committing: the partition was revoked or its consumer replaced; running work finishes unrecorded. */
  abandon(): void {
    this.#abandoned = true;
  }

  get abandoned(): boolean {
    return this.#abandoned;
  }

  /**
   * Queues `run` behind the records of the same key. When it resolves true the record is done and
   * its offset may be committed; false leaves it undone (skipped: the partition was revoked or the
   * consumer is stopping), so the committed offset stays before it and its next owner gets it.
   * `settled` is called when the record is done with, either way.
   */
  add(record: InRecord, run: () => Promise<boolean>, settled: () => void): void {
    const slot: Slot = { record, done: false };
    this.#slots.push(slot);
    this.next = record.offset + 1n;
    const key = record.key ?? '';
    const prior = this.#chains.get(key);
    const work: Promise<void> = (prior === undefined ? run() : prior.then(run)).then((done) => {
      if (done) this.#finish(slot);
      if (this.#chains.get(key) === work) this.#chains.delete(key);
      settled();
    });
    this.#chains.set(key, work);
  }

  #finish(slot: Slot): void {
    slot.done = true;
    let last: Slot | undefined;
    for (let next = this.#slots[this.#head]; next?.done === true; next = this.#slots[this.#head]) {
      last = next;
      this.#slots[this.#head++] = undefined;
    }
    if (this.#head > 1024) {
      this.#slots.splice(0, this.#head);
      this.#head = 0;
    }
    if (last !== undefined && !this.#abandoned) this.#commit(last.record);
  }

  /** Commits the highest offset that is done; one commit request at a time, the latest wins. */
  #commit(record: InRecord): void {
    this.#toCommit = record;
    if (this.#committing !== undefined) return;
    const loop = async () => {
      for (let next = this.#toCommit; next !== undefined && !this.#abandoned; next = this.#toCommit) {
        this.#toCommit = undefined;
        try {
          await withTimeout(next.commit(), COMMIT_TIMEOUT_MS);
        } catch (error) {
          this.#onCommitError(error);
        }
      }
      this.#committing = undefined;
    };
    this.#committing = loop();
  }

  /** Resolves when the last commit request has been answered. */
  flushed(): Promise<void> {
    return this.#committing ?? Promise.resolve();
  }
}
