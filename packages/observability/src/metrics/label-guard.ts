/** The label value that stands for every value past a guard's limit. */
export const OVERFLOW = '_other';

/**
 * Bounds the distinct values one label may take. Declarations already bound service and method
 * names; the guard is the backstop for values that only look declared (an event emitted by a
 * computed name, a resilience event fed by other code): past `limit` distinct values, new ones
 * are all counted as `_other`, so a bug cannot grow the series count without end.
 */
export class LabelGuard {
  readonly #seen = new Set<string>();
  constructor(readonly limit: number) {}

  admit(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.limit) return OVERFLOW;
    this.#seen.add(value);
    return value;
  }
}
