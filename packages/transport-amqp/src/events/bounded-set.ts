/** A set that forgets its oldest key once it holds more than `limit`. */
export class BoundedSet {
  readonly #keys = new Set<string>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(key: string): void {
    this.#keys.add(key);
    if (this.#keys.size <= this.#limit) return;
    for (const oldest of this.#keys) {
      this.#keys.delete(oldest);
      break;
    }
  }

  /** Removes `key`; true if it was there. */
  delete(key: string): boolean {
    return this.#keys.delete(key);
  }
}
