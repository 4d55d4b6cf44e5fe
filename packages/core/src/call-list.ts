/** What the call list threads through: fields on the listed object itself. */
export interface Listed<T> {
  /** @internal */ listPrev: T | undefined;
  /** @internal */ listNext: T | undefined;
  /** @internal */ listed: boolean;
}

/**
 * The server calls a dispatcher is running, as an intrusive doubly-linked list (so the deadline
 * sweep can visit them): adding and removing is a few pointer writes, where a Set costs a hash
 * insert and delete on every request.
 */
export class CallList<T extends Listed<T>> {
  #head: T | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(item: T): void {
    item.listed = true;
    item.listPrev = undefined;
    item.listNext = this.#head;
    if (this.#head !== undefined) this.#head.listPrev = item;
    this.#head = item;
    this.#size++;
  }

  /** Removes `item`; false when it was not listed. */
  delete(item: T): boolean {
    if (!item.listed) return false;
    item.listed = false;
    if (item.listPrev !== undefined) item.listPrev.listNext = item.listNext;
    else this.#head = item.listNext;
    if (item.listNext !== undefined) item.listNext.listPrev = item.listPrev;
    item.listPrev = undefined;
    item.listNext = undefined;
    this.#size--;
    return true;
  }

  /** A snapshot, safe to iterate while items are removed. */
  items(): T[] {
    const out: T[] = [];
    for (let item = this.#head; item !== undefined; item = item.listNext) out.push(item);
    return out;
  }
}
