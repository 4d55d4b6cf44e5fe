// The floor of an in-process call: what the guarantees of Wharf's local call cost at the least,
// written by hand as one tight function. It is not Wharf and no user can run it; it is here so that
// one run of bench/core shows how far any implementation of those guarantees could go.
//
// Kept: a fresh request id and metadata object, the compiled input parse that is also the copy, a
// per-request object carrying what a handler's ctx carries, in-flight tracking (an intrusive list
// and a count, for graceful shutdown), the handler's own promise, a copy of the output, errors
// answered as values. `withDeadline` adds what a deadline needs when the caller must be answered
// at once even if the handler ignores it: a promise of its own that an abort can settle, beside
// the reaction that ends the call. Left out (so the floor is lower than any real one): the
// registry lookup and balancer pick, the drain check, the request-log level check, reading the
// clock, the sweep timer, cancellation, and every middleware seam.

type Handler<I, O> = (input: I, ctx: FloorCall) => Promise<O>;
type Parse<I> = (value: unknown) => I;

/** What a handler's ctx holds at the least. */
class FloorCall {
  listPrev: FloorCall | undefined = undefined;
  listNext: FloorCall | undefined = undefined;
  listed = false;
  readonly transport = 'memory';
  readonly endpoint: string;
  readonly input: unknown;
  readonly requestId: string;
  readonly metadata: Readonly<Record<string, string>>;
  reject: ((reason: unknown) => void) | undefined = undefined;
  reason: Error | undefined = undefined;
  log: unknown = undefined;
  locals: Record<string, unknown> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;

  constructor(endpoint: string, input: unknown, requestId: string, metadata: Readonly<Record<string, string>>) {
    this.endpoint = endpoint;
    this.input = input;
    this.requestId = requestId;
    this.metadata = metadata;
  }
}

function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const out = { ...value } as Record<string, unknown>;
  for (const key in out) {
    const item = out[key];
    if (typeof item === 'object' && item !== null) out[key] = copy(item);
  }
  return out as T;
}

let resolved: (value: unknown) => void = () => {};
let rejected: (reason: unknown) => void = () => {};
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  resolved = resolve;
  rejected = reject;
}

/** A hand-inlined in-process call of `handler`, with or without the deadline's own promise. */
export interface Floor<O> {
  call(input: unknown): Promise<O>;
  /** Calls not yet ended: what a graceful stop would wait for (0 once a bench's loop is done). */
  readonly inFlight: number;
}

/** The floor for `handler`: see the file's header. */
export function floorCall<I, O>(endpoint: string, parse: Parse<I>, handler: Handler<I, O>, withDeadline: boolean): Floor<O> {
  let head: FloorCall | undefined;
  let inFlight = 0;
  let counter = 0;
  const add = (call: FloorCall) => {
    call.listed = true;
    call.listNext = head;
    if (head !== undefined) head.listPrev = call;
    head = call;
    inFlight++;
  };
  const remove = (call: FloorCall) => {
    if (!call.listed) return;
    call.listed = false;
    if (call.listPrev !== undefined) call.listPrev.listNext = call.listNext;
    else head = call.listNext;
    if (call.listNext !== undefined) call.listNext.listPrev = call.listPrev;
    call.listPrev = undefined;
    call.listNext = undefined;
    inFlight--;
  };
  const call = (input: unknown): Promise<O> => {
    const requestId = `floor-${(++counter).toString(36)}`;
    let parsed: I;
    try {
      parsed = parse(input);
    } catch (error) {
      return Promise.reject(error);
    }
    const call = new FloorCall(endpoint, parsed, requestId, { 'x-request-id': requestId });
    add(call);
    let result: Promise<O>;
    try {
      result = handler(parsed, call);
    } catch (error) {
      remove(call);
      return Promise.reject(error);
    }
    if (!withDeadline) {
      return result.then(
        (out) => {
          remove(call);
          return copy(out);
        },
        (error: unknown) => {
          remove(call);
          throw error;
        },
      );
    }
    const answer = new Promise<unknown>(capture);
    const resolve = resolved;
    const reject = rejected;
    call.reject = reject;
    result.then(
      (out) => {
        remove(call);
        resolve(copy(out));
      },
      (error: unknown) => {
        remove(call);
        reject(error);
      },
    );
    return answer as Promise<O>;
  };
  return {
    call,
    get inFlight() {
      return inFlight;
    },
  };
}
