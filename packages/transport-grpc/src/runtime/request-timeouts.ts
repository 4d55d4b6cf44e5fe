// The time a unary or server-stream call has to deliver its request message. grpc-js calls the
// handler only once the message is whole, so before that no deadline of Wharf's runs: a length
// prefix promising more bytes than ever come, with no grpc-timeout, held the call (and its memory)
// open until the client left. A server interceptor watches each such call from its start.
import { ServerInterceptingCall, type ServerInterceptingCallInterface, type ServerInterceptor, status } from '@grpc/grpc-js';

/**
 * Calls waiting for their request message, and one timer for the earliest of them: a timer per
 * call would cost ~230 ns per call for a rare event. Every call waits the same time, so the Map's
 * insertion order is also the order of their deadlines.
 */
class Waiting {
  readonly #timeoutMs: number;
  readonly #calls = new Map<ServerInterceptingCallInterface, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  add(call: ServerInterceptingCallInterface): void {
    this.#calls.set(call, Date.now() + this.#timeoutMs);
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
  }

  delete(call: ServerInterceptingCallInterface): void {
    this.#calls.delete(call);
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#sweep, ms);
    this.#timer.unref();
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    for (const [call, at] of this.#calls) {
      if (at > now) {
        this.#arm(at - now);
        return;
      }
      this.#calls.delete(call);
      call.sendStatus({
        code: status.DEADLINE_EXCEEDED,
        details: `The request message did not arrive within ${this.#timeoutMs} ms (requestTimeoutMs); send it whole, promptly`,
      });
    }
  };
}

/**
 * An interceptor that ends a unary or server-stream call with DEADLINE_EXCEEDED when its request
 * message has not arrived within `timeoutMs` of its start (a call with a grpc-timeout of its own
 * is bounded by grpc-js already). Client and bidi calls start their handler at once, under its deadline.
 */
export function requestTimeouts(timeoutMs: number): ServerInterceptor {
  const waiting = new Waiting(timeoutMs);
  return (method, call) => {
    // Nothing to watch: hand grpc-js its own call back, no wrapper (every Wharf client sends a deadline).
    if (method.requestStream || Number.isFinite(Number(call.getDeadline()))) return call as ServerInterceptingCall;
    const done = () => waiting.delete(call);
    return new ServerInterceptingCall(call, {
      start(next) {
        waiting.add(call);
        next({
          onReceiveMessage(message, pass) {
            done();
            pass(message);
          },
          onReceiveHalfClose(pass) {
            done();
            pass();
          },
          onCancel: done,
        });
      },
      sendStatus(statusObject, pass) {
        done();
        pass(statusObject);
      },
    });
  };
}
