// A transport for unit tests that misbehaves on command, the way brokers and networks do: events
// duplicated, reordered, delayed, lost and redelivered; calls duplicated or their replies lost;
// connections broken. It is the in-memory transport underneath (named `memory`, so in-process
// calls go through it) with its own event bus, which knows what is still to be delivered.
import { copyValue } from '../copy.js';
import { type EventEndpoint, STREAM_KINDS } from '../endpoint.js';
import { WharfError } from '../errors.js';
import { MemoryNetwork, memoryTransport } from '../memory-transport.js';
import { matchTopic } from '../topic.js';
import type { EventInfo, OutboundCall, OutboundEvent, Transport, TransportHost } from '../transport.js';
import { EventFaults, type FaultRecord, type Selector } from './fault-rules.js';

export type { FaultRecord, Selector } from './fault-rules.js';

/** Options of a fault rule: how many matching messages it affects (default 1; `Infinity` for all). */
export interface FaultTimes {
  readonly times?: number;
}

/** The faults a `FaultTransport` injects, each on the next matching messages. */
export interface FaultControls {
  /** Delivers each of the next matching events `copies` times (default 2), with the same id: a publisher's retry after a lost confirm. */
  duplicate(event?: Selector, options?: FaultTimes & { readonly copies?: number }): void;
  /** Holds the next `count` matching events (default 2) and delivers them in reverse order. */
  reorder(event?: Selector, options?: { readonly count?: number }): void;
  /** Delays delivery of the next matching events by `ms`. */
  delay(event: Selector | undefined, ms: number, options?: FaultTimes): void;
  /**
   * Loses the next matching events, then redelivers each after `afterMs` (default 0) with
   * `attempt` 2, as a broker does after a consumer died before acknowledging. With
   * `afterHandling: true` the first delivery runs the handler and only its acknowledgement is lost,
   * so the handler sees the same event twice.
   */
  dropThenRedeliver(
    event?: Selector,
    options?: FaultTimes & { readonly afterMs?: number; readonly afterHandling?: boolean },
  ): void;
  /** Runs each of the next matching calls twice on the server (a client retry after a lost reply); the caller gets the first answer. */
  duplicateCalls(method?: Selector, options?: FaultTimes): void;
  /** Runs the next matching calls on the server but fails them at the caller with UNAVAILABLE, as when a connection drops before the reply. */
  loseReplies(method?: Selector, options?: FaultTimes): void;
  /** Breaks every connection: calls in flight and new calls and publishes fail with UNAVAILABLE until `reconnect()`. */
  disconnect(): void;
  reconnect(): void;
  /** Removes every rule and reconnects. */
  reset(): void;
  /** Resolves when every event published so far (and every event those handlers emitted) has been handled, held ones included. */
  settled(): Promise<void>;
  /** Every fault injected so far, in order. */
  readonly injected: readonly FaultRecord[];
}

/** A transport that injects faults on command; see `FaultControls`. */
export type FaultTransport = Transport & FaultControls;

/**
 * Creates the fault-injecting test transport. Give it to `createTestApp({ transports: [faults] })`
 * (a test app makes one by default, as `app.faults`). Without rules it behaves as the in-memory
 * transport.
 */
export function faultTransport(options: { readonly network?: MemoryNetwork } = {}): FaultTransport {
  const inner = memoryTransport({ network: options.network ?? new MemoryNetwork() });
  const rules = new EventFaults();
  let host: TransportHost | undefined;
  let subscriptions: readonly EventEndpoint[] = [];
  let broken = false;
  let pending = 0;
  const waiters: (() => void)[] = [];
  const inFlightCalls = new Set<(error: WharfError) => void>();

  const track = (delta: number) => {
    pending += delta;
    if (pending === 0) for (const wake of waiters.splice(0)) wake();
  };
  const connectionError = () => new WharfError('UNAVAILABLE', 'The connection was broken by the test (faults.disconnect())');

  function dispatchOne(endpoint: EventEndpoint, event: OutboundEvent, attempt: number): Promise<unknown> {
    const info: EventInfo = { id: event.id, name: event.name, emitter: event.emitter, timestamp: event.timestamp, attempt };
    const request = { transport: 'memory', metadata: event.metadata, event: info };
    return host!.dispatch(endpoint, copyValue(event.payload), request).catch(() => {
      // A failed handler is the app's business (it logs it); the in-memory bus does not retry.
    });
  }

  /** Delivers one event to every matching handler, each delivery planned by the rules and counted until handled. */
  function deliverAll(event: OutboundEvent) {
    const targets = subscriptions.filter((s) => matchTopic(s.pattern, event.name));
    if (targets.length === 0) return;
    const steps = rules.plan(event);
    for (const endpoint of targets) {
      let previous: Promise<unknown> = Promise.resolve();
      for (const step of steps) {
        track(1);
        const after = step.afterPrevious ? previous : Promise.resolve();
        previous = after
          .then(
            () => new Promise<void>((resolve) => (step.delayMs > 0 ? setTimeout(resolve, step.delayMs) : setImmediate(resolve))),
          )
          .then(() => dispatchOne(endpoint, event, step.attempt))
          .finally(() => track(-1));
      }
    }
  }

  const transport: FaultTransport = {
    name: 'memory',
    streams: STREAM_KINDS,
    attach: (context) => inner.attach?.(context),
    reaches: (address) => inner.reaches?.(address) ?? false,

    async listen(given) {
      host = given;
      subscriptions = given.subscriptions;
      // The inner transport serves the RPCs; this one is the event bus.
      return inner.listen!({ ...given, subscriptions: [] });
    },

    call(call: OutboundCall) {
      if (broken) return Promise.reject(connectionError());
      const fault = rules.callFault(call.ref.fullName);
      let answer = inner.call!(call);
      // The copy arrives once the first has been answered, as a client's retry after a lost reply does.
      if (fault === 'duplicate') answer = answer.finally(() => inner.call!(call).catch(() => {}));
      return new Promise((resolve, reject) => {
        inFlightCalls.add(reject);
        answer.then(
          (value) => {
            inFlightCalls.delete(reject);
            if (fault === 'lose-reply') reject(new WharfError('UNAVAILABLE', 'The reply was lost (faults.loseReplies())'));
            else resolve(value);
          },
          (error: unknown) => {
            inFlightCalls.delete(reject);
            reject(error);
          },
        );
      });
    },

    async publish(event) {
      if (broken) throw connectionError();
      try {
        copyValue(event.payload); // refuses what could not cross a real wire, as the in-memory bus does
      } catch (error) {
        throw new WharfError(
          'INVALID_ARGUMENT',
          `The payload of event ${event.name} cannot be sent: ${(error as Error).message}`,
        );
      }
      for (const e of rules.hold(event)) deliverAll(e);
    },

    async close(signal) {
      await transport.settled().catch(() => {});
      await inner.close!(signal);
    },

    duplicate: (event, o) => rules.add({ kind: 'duplicate', selector: event, times: o?.times ?? 1, copies: o?.copies ?? 2 }),
    reorder: (event, o) => rules.addHold(event, o?.count ?? 2),
    delay: (event, ms, o) => rules.add({ kind: 'delay', selector: event, times: o?.times ?? 1, delayMs: ms }),
    dropThenRedeliver: (event, o) =>
      rules.add({
        kind: o?.afterHandling ? 'redeliver-after-handling' : 'drop-then-redeliver',
        selector: event,
        times: o?.times ?? 1,
        delayMs: o?.afterMs ?? 0,
      }),
    duplicateCalls: (method, o) => rules.add({ kind: 'duplicate-call', selector: method, times: o?.times ?? 1 }),
    loseReplies: (method, o) => rules.add({ kind: 'lose-reply', selector: method, times: o?.times ?? 1 }),
    disconnect() {
      broken = true;
      rules.record({ kind: 'disconnect' });
      for (const reject of inFlightCalls) reject(connectionError());
      inFlightCalls.clear();
    },
    reconnect() {
      broken = false;
    },
    reset() {
      rules.clear();
      broken = false;
    },
    async settled() {
      // Held (reordered) events are released first: a test that awaits delivery wants them delivered.
      for (;;) {
        for (const e of rules.release()) deliverAll(e);
        if (pending > 0) await new Promise<void>((resolve) => waiters.push(resolve));
        await host?.idle();
        if (pending === 0 && !rules.holding()) return;
      }
    },
    get injected() {
      return rules.injected;
    },
  };
  return transport;
}
