// @wharf/core/testing: what a user needs to unit-test their own services in one process.
import { type App, createApp } from '../app.js';
import type { AppOptions } from '../app-options.js';
import type { CallInput, CallResult } from '../caller.js';
import type { EventCall } from '../client-call.js';
import { copyValue } from '../copy.js';
import type { Endpoint, RpcRef } from '../endpoint.js';
import { hasOutputStream } from '../endpoint.js';
import { WharfError } from '../errors.js';
import { MemoryNetwork, memoryTransport } from '../memory-transport.js';
import { deadlineFromTimeout, type Metadata } from '../metadata.js';
import type { ClientMiddleware } from '../pipeline.js';
import { memoryRegistry } from '../registry.js';
import { lazyStream } from '../stream.js';
import { matchTopic } from '../topic.js';

export { MemoryNetwork, memoryRegistry, memoryTransport };

/** Options of `invoke` and `deliver`. */
export interface InvokeOptions {
  readonly metadata?: Metadata;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** An event the app emitted, as recorded by a test app. */
export interface EmittedEvent {
  readonly name: string;
  readonly payload: unknown;
  readonly id: string;
  readonly emitter: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A started app with helpers for tests. */
export interface TestApp extends App {
  /** Calls a handler through the full server pipeline (validation, deadline, your middleware), without the client side. */
  invoke<R extends RpcRef>(ref: R | string, input: CallInput<R>, options?: InvokeOptions): CallResult<R>;
  /** Delivers an event to every local handler whose pattern matches and waits for all of them. */
  deliver(name: string, payload: unknown, options?: InvokeOptions): Promise<void>;
  /** Every event the app emitted, in order. */
  readonly emitted: readonly EmittedEvent[];
}

/**
 * Creates and starts an app for a test: a fresh in-memory network and registry, logs off unless
 * `LOG_LEVEL` is set, no signal handlers, and a record of emitted events.
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
  const app = createApp({
    logger: { level: process.env.LOG_LEVEL ?? 'silent' },
    transports: [memoryTransport({ network: new MemoryNetwork() })],
    registry: memoryRegistry(),
    ...options,
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
    async deliver(name: string, payload: unknown, o?: InvokeOptions): Promise<void> {
      const targets = [...new Set(endpoints.values())].filter((e) => e.kind === 'event' && matchTopic(e.pattern, name));
      const event = { id: crypto.randomUUID(), name, attempt: 1, timestamp: Date.now() };
      await Promise.all(targets.map((e) => app.dispatch(e, copyValue(payload), { ...request(o), event })));
    },
  }) as TestApp;
}
