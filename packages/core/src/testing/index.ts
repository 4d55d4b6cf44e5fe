// @wharf/core/testing: what a user needs to unit-test their own services in one process.
import { createApp } from '../app.js';
import type { App, AppOptions } from '../app-types.js';
import type { CallInput, CallResult } from '../caller.js';
import type { EventCall } from '../client-call.js';
import { copyValue } from '../copy.js';
import type { Endpoint, EventRef, PayloadOf, RpcRef } from '../endpoint.js';
import { hasOutputStream } from '../endpoint.js';
import { WharfError } from '../errors.js';
import { MemoryNetwork, memoryTransport } from '../memory-transport.js';
import { deadlineFromTimeout, type Metadata } from '../metadata.js';
import type { ClientMiddleware } from '../pipeline.js';
import { memoryRegistry } from '../registry.js';
import { lazyStream } from '../stream.js';
import { matchTopic } from '../topic.js';
import { type FaultTransport, faultTransport } from './fault-transport.js';

export {
  type FaultControls,
  type FaultRecord,
  type FaultTimes,
  type FaultTransport,
  faultTransport,
  type Selector,
} from './fault-transport.js';
export { MemoryNetwork, memoryRegistry, memoryTransport };

/** Options of `invoke` and `deliver`. */
export interface InvokeOptions {
  readonly metadata?: Metadata;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options of `deliver`: besides those of `invoke`, the event's id and attempt, to play a redelivery. */
export interface DeliverOptions extends InvokeOptions {
  readonly id?: string;
  readonly attempt?: number;
}

/** An event the app emitted, as recorded by a test app. */
export interface EmittedEvent<P = unknown> {
  readonly name: string;
  readonly payload: P;
  readonly id: string;
  readonly emitter: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A started app with helpers for tests. */
export interface TestApp extends App {
  /** Calls a handler through the full server pipeline (validation, deadline, your middleware), without the client side. */
  invoke<R extends RpcRef>(ref: R | string, input: CallInput<R>, options?: InvokeOptions): CallResult<R>;
  /**
   * Delivers an event to every local handler whose pattern matches and resolves when all of them
   * have handled it. With an event ref, the payload is typed by its schema.
   */
  deliver<E extends EventRef>(event: E, payload: PayloadOf<E>, options?: DeliverOptions): Promise<void>;
  deliver(name: string, payload: unknown, options?: DeliverOptions): Promise<void>;
  /** Every event the app emitted, in order. */
  readonly emitted: readonly EmittedEvent[];
  /** The events of one kind the app emitted, in order, their payloads typed by the ref's schema. */
  emittedOf<E extends EventRef>(event: E): EmittedEvent<PayloadOf<E>>[];
  /**
   * Resolves when everything emitted so far has been delivered and handled, including what those
   * handlers emitted in turn, and no request is in flight: `await app.settled()` after a call whose
   * handler emits, then assert on the subscribers' effects.
   */
  settled(): Promise<void>;
  /** The fault-injecting transport the app runs on: duplicate, reorder, delay, drop events; break connections. */
  readonly faults: FaultTransport;
}

/**
 * Creates and starts an app for a test: a fresh in-memory network and registry, logs off unless
 * `LOG_LEVEL` is set, no signal handlers, and a record of emitted events. It runs on a
 * fault-injecting in-memory transport (`app.faults`) unless `transports` has one named `memory`.
 */
export async function createTestApp(options: AppOptions = {}): Promise<TestApp> {
  const emitted: EmittedEvent[] = [];
  const record: ClientMiddleware = (call, next) => {
    if (call.kind === 'event') {
      const e = call as EventCall;
      let payload: unknown;
      try {
        payload = copyValue(e.payload);
      } catch {
        payload = e.payload; // the bus refuses it with INVALID_ARGUMENT; recording must not throw first
      }
      emitted.push({ name: e.name, payload, id: e.id, emitter: e.emitter, metadata: { ...e.metadata } });
    }
    return next();
  };
  const userClient = options.middleware?.client;
  const given = options.transports ?? [];
  const memory = given.find((t) => t.name === 'memory');
  const faults = (memory ?? faultTransport()) as FaultTransport;
  const app = createApp({
    logger: { level: process.env.WHARF_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'silent' },
    registry: memoryRegistry(),
    ...options,
    transports: memory === undefined ? [...given, faults] : given,
    shutdown: { signals: false, ...options.shutdown },
    middleware: {
      ...options.middleware,
      client:
        typeof userClient === 'function' ? (builtins) => [record, ...userClient(builtins)] : [record, ...(userClient ?? [])],
    },
  });
  await app.start();
  const endpoints = new Map<string, Endpoint>();
  // By `<service>.<name>@<major>`, and by `<service>.<name>` for the first major declared.
  for (const service of app.services) {
    for (const e of [...service.rpcs, ...service.events]) {
      endpoints.set(`${e.fullName}@${e.major}`, e);
      if (!endpoints.has(e.fullName)) endpoints.set(e.fullName, e);
    }
  }

  const request = (o: InvokeOptions | undefined) => ({
    transport: 'test',
    metadata: { ...o?.metadata },
    deadline: deadlineFromTimeout(o?.timeoutMs),
    signal: o?.signal,
  });

  return Object.assign(app, {
    emitted,
    faults,
    emittedOf: (event: EventRef) => emitted.filter((e) => e.name === event.name),
    settled: () =>
      typeof faults.settled === 'function'
        ? faults.settled()
        : Promise.reject(
            new Error(
              'settled() needs the test app to run on faultTransport(): pass faultTransport({ network }) instead of memoryTransport(), or no memory transport at all',
            ),
          ),
    invoke<R extends RpcRef>(ref: R | string, input: CallInput<R>, o?: InvokeOptions): CallResult<R> {
      const name = typeof ref === 'string' ? ref : `${ref.fullName}@${ref.major}`;
      const endpoint = endpoints.get(name);
      if (endpoint === undefined || endpoint.kind !== 'rpc') {
        const error = Promise.reject(new WharfError('UNIMPLEMENTED', `No RPC ${name} in this app`));
        return (typeof ref !== 'string' && hasOutputStream(ref.stream) ? lazyStream(error) : error) as CallResult<R>;
      }
      const result = app.dispatch(endpoint, copyValue(input), request(o));
      return (hasOutputStream(endpoint.stream) ? lazyStream(result as Promise<AsyncIterable<unknown>>) : result) as CallResult<R>;
    },
    async deliver(ref: EventRef | string, payload: unknown, o?: DeliverOptions): Promise<void> {
      const name = typeof ref === 'string' ? ref : ref.name;
      const targets = [...new Set(endpoints.values())].filter((e) => e.kind === 'event' && matchTopic(e.pattern, name));
      const event = { id: o?.id ?? crypto.randomUUID(), name, attempt: o?.attempt ?? 1, timestamp: Date.now() };
      await Promise.all(targets.map((e) => app.dispatch(e, copyValue(payload), { ...request(o), event })));
    },
  }) as TestApp;
}
