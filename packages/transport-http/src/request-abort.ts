// What undici is given to abort one request. undici accepts an EventEmitter-like signal as well as
// an AbortSignal; an AbortController per call (its EventTarget, the listener undici adds and
// removes) cost ~3.5 µs of client CPU per call on Node 20 in bench:registry — more than the whole
// resilient client stack. undici adds one listener per request and removes it when the request
// ends; more are kept too, in case a later undici adds them.

type Listener = () => void;

/** An abort signal for one undici request, with the EventEmitter methods undici uses. */
export class RequestAbort {
  aborted = false;
  reason: unknown = undefined;
  #listener: Listener | undefined;
  #more: Listener[] | undefined;

  /** undici's subscription (`signal.once('abort', listener)`). */
  once(_event: 'abort', listener: Listener): this {
    if (this.#listener === undefined) this.#listener = listener;
    else this.#more = [...(this.#more ?? []), listener];
    return this;
  }

  /** What undici checks a signal has (it subscribes with `once`). */
  on(event: 'abort', listener: Listener): this {
    return this.once(event, listener);
  }

  /** undici's unsubscription when the request ends. */
  removeListener(_event: 'abort', listener: Listener): this {
    if (this.#listener === listener) this.#listener = undefined;
    else if (this.#more !== undefined) this.#more = this.#more.filter((l) => l !== listener);
    return this;
  }

  /** Aborts the request with `reason` (once; later calls do nothing). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = [this.#listener, ...(this.#more ?? [])];
    this.#listener = undefined;
    this.#more = undefined;
    for (const listener of listeners) listener?.();
  }
}
