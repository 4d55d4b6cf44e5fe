import { clearInterval, setInterval } from 'node:timers';
import type { ClientCall, ClientMiddleware, RpcCall } from '@wharf/core';
import CircuitBreaker from 'opossum';
import { isCancelled, openError, toOpenError } from './breaker-errors.js';
import { countFailure, type Tally, tallyOf } from './breaker-window.js';
import { isTransient } from './transient.js';

/** A breaker's state. */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** One state change, as a metrics middleware counts it. */
export interface BreakerStateChange {
  /** `<service>.<method> @ <address>`. */
  readonly breaker: string;
  readonly service: string;
  readonly method: string;
  readonly address: string;
  readonly state: BreakerState;
}

/** Where state changes are heard: `breakers.events.on(change => counter.inc({ state: change.state }))`. */
export interface BreakerEvents {
  on(listener: (change: BreakerStateChange) => void): () => void;
}

/** When a breaker opens, and for how long. */
export interface BreakerOptions {
  /** Calls in the rolling window before the breaker may open; default 10 (opossum's 0 opens on one failure). */
  readonly volumeThreshold?: number;
  /** Share of transient failures (in %) that opens it; default 50. */
  readonly errorThresholdPercentage?: number;
  /** Time open before a half-open probe; default 5 000 ms. */
  readonly resetTimeoutMs?: number;
  /** The rolling window; default 10 000 ms. */
  readonly rollingWindowMs?: number;
  /** Answers instead of failing, when open or on a transient failure; its result is the call's. */
  readonly fallback?: (call: RpcCall, error: unknown) => unknown;
  /**
   * Calls to an instance in the same process (the in-memory transport) skip the breaker (default
   * true): they cannot fail for network reasons, and what fails in-process fails everywhere.
   */
  readonly skipInProcess?: boolean;
}

/**
 * The breaker's steps around a call, for a middleware that runs them in its own reaction
 * (`resilientClient` fuses them with in-flight tracking: one promise hop where two were).
 */
export interface BreakerGate {
  /** The breaker of `call`; undefined when none applies (not an RPC, no address, in-process). */
  of(call: ClientCall): Admitted | undefined;
  /** True when it is closed: the call goes out, counted as sent, and its end must be told. */
  letThrough(admitted: Admitted): boolean;
  /**
   * The answer of a breaker that is not closed: refused (open), the half-open probe, or the
   * fallback. `send` sends the call to the instance, for the probe.
   */
  answer(admitted: Admitted, call: RpcCall, send: () => Promise<unknown>): Promise<unknown>;
  /** The call it let through succeeded. */
  succeeded(admitted: Admitted): void;
  /** The call it let through failed with `error`: the fallback's answer, or `error` thrown again. */
  failed(admitted: Admitted, call: RpcCall, error: unknown): unknown;
}

/** One breaker, as the gate hands it out (opaque). */
export interface Admitted {
  readonly key: string;
}

const GATE = Symbol('wharf.registry.breakerGate');

/** The gate of `breakers`, for a middleware that fuses it with its own work. */
export function gateOf(breakers: Breakers): BreakerGate {
  return (breakers as unknown as { [GATE]: BreakerGate })[GATE];
}

/** The breaker middleware, its events, and a way to release its timers. */
export interface Breakers extends ClientMiddleware {
  readonly events: BreakerEvents;
  /** The state of each breaker made so far. */
  states(): ReadonlyMap<string, BreakerState>;
  /** Shuts every breaker down (their rolling-window timers). */
  close(): void;
}

type Action = (call: RpcCall, next: () => Promise<unknown>) => Promise<unknown>;

/** One breaker, with what finds it and how much it has been called. */
interface Entry {
  readonly key: string;
  readonly ref: RpcCall['ref'];
  readonly address: string;
  readonly breaker: CircuitBreaker<Parameters<Action>, unknown>;
  /** Counts into the breaker's rolling window. */
  readonly tally: Tally;
  /** Calls through it, and how many of them the last sweep had seen. */
  uses: number;
  usesSeen: number;
  /** The sweep (or the call that made it) after which it was last seen used. */
  quietSince: number;
}

const stateOf = (breaker: CircuitBreaker): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed');

/**
 * Circuit breakers on opossum, one per endpoint and instance: only transient failures count, an
 * open breaker fails fast with UNAVAILABLE naming it (and `details.handlerRan: false`, so the
 * retry middleware may try another instance), half-open lets one probe through. A breaker not
 * called for longer than its rolling window and reset time is shut down and forgotten. Put it
 * after `resolve`, which chooses the instance.
 */
export function breakers(options: BreakerOptions = {}): Breakers {
  const all = new Map<string, Entry>();
  // By endpoint, then address (strings the registry keeps, so their hashes are cached): no key is
  // built per call.
  const byEndpoint = new Map<RpcCall['ref'], Map<string, Entry>>();
  const listeners = new Set<(change: BreakerStateChange) => void>();
  const skipInProcess = options.skipInProcess !== false;
  const hasFallback = options.fallback !== undefined;
  const errorThresholdPercentage = options.errorThresholdPercentage ?? 50;
  // Instances come and go with every deploy, and each breaker keeps an interval timer: one nobody
  // called for longer than its window and its reset time holds nothing worth keeping.
  const idleMs = Math.max(options.rollingWindowMs ?? 10_000, options.resetTimeoutMs ?? 5_000);
  // The clock is not read per call (a reading costs ~80 ns here, a fifth of the breaker): a timer
  // sweeps every idleMs / 2 while there are breakers. A sweep counts a breaker used since the one
  // before as used then, and forgets one unused since for longer than idleMs: so a breaker goes
  // idleMs to about twice that after its last call, never sooner.
  let sweeper: NodeJS.Timeout | undefined;

  function sweep(): void {
    const now = Date.now();
    for (const [key, entry] of all) {
      if (entry.uses !== entry.usesSeen) {
        entry.usesSeen = entry.uses;
        entry.quietSince = now;
      } else if (now - entry.quietSince > idleMs) {
        entry.breaker.shutdown();
        all.delete(key);
        byEndpoint.get(entry.ref)?.delete(entry.address);
      }
    }
    if (all.size === 0) stopSweeping();
  }

  function stopSweeping(): void {
    clearInterval(sweeper);
    sweeper = undefined;
  }

  function create(key: string, call: RpcCall): CircuitBreaker<Parameters<Action>, unknown> {
    const action: Action = (_call, next) => next();
    const breaker: CircuitBreaker<Parameters<Action>, unknown> = new CircuitBreaker(action, {
      name: key,
      // Deadlines are the transport's: a breaker timeout would abandon a call without cancelling it.
      timeout: false,
      volumeThreshold: options.volumeThreshold ?? 10,
      errorThresholdPercentage,
      resetTimeout: options.resetTimeoutMs ?? 5_000,
      rollingCountTimeout: options.rollingWindowMs ?? 10_000,
      // True means "not a failure": business errors (NOT_FOUND, INVALID_ARGUMENT…) never open it.
      // But opossum closes a half-open breaker on any call that is not a failure, and a probe its
      // caller cancelled says nothing about the instance: that one opens it again for another probe.
      errorFilter: (error: unknown): boolean => !isTransient(error) && !(breaker.halfOpen && isCancelled(error)),
      // Both default on in opossum, and neither is read here: every call's latency kept for the
      // window, concatenated and sorted once a second for a snapshot event and on every failure —
      // at 15,000 calls/s that was most of the breaker's cost over HTTP (bench:registry).
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    if (options.fallback !== undefined) {
      const fallback = options.fallback;
      breaker.fallback((target: RpcCall, _next: unknown, error: unknown) => fallback(target, toOpenError(key, error)));
    }
    const announce = (state: BreakerState) => {
      const change = { breaker: key, service: call.service, method: call.method, address: call.address ?? '', state };
      for (const listener of listeners) listener(change);
    };
    breaker.on('open', () => announce('open'));
    breaker.on('halfOpen', () => announce('halfOpen'));
    breaker.on('close', () => announce('closed'));
    return breaker;
  }

  function of(call: ClientCall): Entry | undefined {
    if (call.kind !== 'rpc' || call.address === undefined || (skipInProcess && call.transport === 'memory')) return undefined;
    let addresses = byEndpoint.get(call.ref);
    if (addresses === undefined) {
      addresses = new Map();
      byEndpoint.set(call.ref, addresses);
    }
    let entry = addresses.get(call.address);
    if (entry === undefined) {
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, idleMs / 2);
        sweeper.unref();
      }
      const key = `${call.ref.fullName} @ ${call.address}`;
      const breaker = create(key, call);
      const tally = tallyOf(breaker);
      entry = { key, ref: call.ref, address: call.address, breaker, tally, uses: 0, usesSeen: 0, quietSince: Date.now() };
      addresses.set(call.address, entry);
      all.set(key, entry);
    } else entry.uses++;
    return entry;
  }

  function letThrough(entry: Entry): boolean {
    if (!entry.breaker.closed) return false;
    // Counted as sent, before it ends, as opossum's `fire()` counts it: its error rate is of calls
    // sent, slow ones still out included. Counted only as they end, fast failures would outweigh
    // slow successes still in flight, and a minority of failures would open the breaker.
    entry.tally('fires');
    return true;
  }

  function answer(entry: Entry, call: RpcCall, send: () => Promise<unknown>): Promise<unknown> {
    const { breaker } = entry;
    // What opossum would refuse (open, or half-open with its probe out), refused here: the same
    // answer without its promise, event and error object — and a promise hop fewer for every call
    // it lets through, which no longer needs its "Breaker is open" error mapped.
    if (!breaker.pendingClose && !hasFallback) return Promise.reject(openError(entry.key));
    return breaker.fire(call, send); // the half-open probe, or open with a fallback
  }

  // Successes are not counted: opossum's rule to open (ours in countFailure, and its own in
  // `fire()`) reads only the calls sent and the failures, so a business error is simply a call
  // sent that did not fail. But opossum closes a half-open breaker on any success it hears: a call
  // sent while closed that succeeds once the breaker is half-open closes it, as under `fire()`.
  const succeeded = (entry: Entry): void => {
    if (entry.breaker.halfOpen) entry.breaker.close();
  };

  /**
   * A failure of a call that went out while the breaker was closed. Still closed: counted as
   * opossum counts it (a business error not at all, being a call sent that did not fail; a
   * transient one as a failure, opening the breaker on the threshold), then the fallback if any.
   * Opened or half-open meanwhile: the call's own error, as opossum answers a call in flight —
   * but it no longer counts, so a stale call cannot re-open a half-open breaker whose probe is out.
   */
  function failed(entry: Entry, call: RpcCall, error: unknown): unknown {
    const { breaker, tally } = entry;
    const transient = isTransient(error);
    if (breaker.closed) {
      if (!transient) throw error;
      countFailure(breaker, tally, errorThresholdPercentage);
    }
    if (hasFallback && transient) return options.fallback?.(call, error);
    throw error;
  }

  const gate = { of, letThrough, answer, succeeded, failed } as unknown as BreakerGate;
  const middleware = ((call, next) => {
    const entry = of(call);
    if (entry === undefined) return next();
    if (!letThrough(entry)) return answer(entry, call as RpcCall, next);
    return next().then(
      (result) => {
        succeeded(entry);
        return result;
      },
      (error: unknown) => failed(entry, call as RpcCall, error),
    );
  }) as Breakers;

  Object.assign(middleware, {
    [GATE]: gate,
    events: {
      on(listener: (change: BreakerStateChange) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    states: () => new Map([...all].map(([key, entry]) => [key, stateOf(entry.breaker)])),
    close() {
      stopSweeping();
      for (const entry of all.values()) entry.breaker.shutdown();
      all.clear();
      byEndpoint.clear();
    },
  });
  return middleware;
}
