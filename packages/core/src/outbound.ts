import type { Logger } from 'pino';
import type { CallOptions, EmitOptions } from './caller.js';
import type { ClientCall, EventCall } from './client-call.js';
import type { Runtime, ServerCallImpl } from './context.js';
import { type EventRef, hasOutputStream, type RpcRef } from './endpoint.js';
import { WharfError } from './errors.js';
import { eventKey } from './event-key.js';
import { acceptRequestId, type Metadata, MetadataKey, newRequestId, propagate } from './metadata.js';
import { eventNameProblem } from './names.js';
import { OutboundRpc } from './outbound-call.js';
import { type Layer, settled } from './pipeline.js';
import { stoppedCallError } from './stopped-call.js';
import { lazyStream } from './stream.js';
import type { OutboundCall, OutboundEvent } from './transport.js';
import { parseOrThrow } from './validation.js';

/** What the outbound side of an app is built from. */
export interface OutboundOptions {
  readonly logger: Logger;
  /** The composed client pipeline, ending in `SEND`. */
  readonly pipeline: Layer<ClientCall>;
  /** Emitter name of events published outside any handler. */
  readonly appName: string;
  /** Timeout for calls whose caller set none. */
  readonly defaultTimeoutMs: number | undefined;
}

/**
 * The end of every client pipeline: hands the call to the transport `resolve` chose. Deadlines
 * are the transport's to enforce (it sends the remaining time and keeps its own timer).
 */
class Send implements Layer<ClientCall> {
  run(call: ClientCall): Promise<unknown> {
    return send(call);
  }
}

/** The end of every client pipeline. */
export const SEND: Layer<ClientCall> = new Send();

function send(call: ClientCall): Promise<unknown> {
  // Not `call.signal`: reading it would create the calling handler's AbortSignal.
  if (call instanceof OutboundRpc) {
    const stopped = call.cancelReason;
    // DEADLINE_EXCEEDED when the handler's deadline is why, as once the call is out (stoppedCallError).
    if (stopped !== undefined) return Promise.reject(stoppedCallError(stopped, call.deadline, call.ref.fullName));
  } else if (call.signal?.aborted) {
    return Promise.reject(new WharfError('CANCELLED', 'The call was cancelled before it was sent'));
  }
  const transport = call.via;
  if (call.kind === 'rpc') {
    if (transport?.call === undefined || call.address === undefined) {
      return Promise.reject(
        new WharfError('INTERNAL', `No transport was chosen for ${call.ref.fullName}; keep \`resolve\` in the client pipeline`),
      );
    }
    return transport.call(call as OutboundCall);
  }
  if (transport?.publish === undefined) {
    return Promise.reject(
      new WharfError('INTERNAL', `No event bus can publish ${call.name}; keep \`resolve\` in the client pipeline`),
    );
  }
  return transport.publish(call as OutboundEvent);
}

/**
 * The request id a call carries: one the calling code set explicitly (sanitised), else the
 * handler's own (already sanitised when its request arrived — never the raw inbound header),
 * else a new one. Every id that leaves here is safe, so the in-memory transport can trust it.
 */
function requestIdFor(parent: ServerCallImpl | undefined, explicit: Metadata | undefined): string {
  if (explicit !== undefined) {
    for (const key of Object.keys(explicit)) {
      const value = explicit[key];
      if (value !== undefined && key.toLowerCase() === MetadataKey.requestId) return acceptRequestId(value);
    }
  }
  return parent?.requestId ?? newRequestId();
}

// The call being issued right now. A transport that receives this same call before
// `Outbound.call` returns (the in-memory one, through a synchronous client pipeline) knows no
// time has passed since its deadline was computed, so it can check expiry against the clock
// reading that deadline came from instead of reading the clock again.
let issuing: OutboundRpc | undefined;

/** The clock reading `call`'s deadline was computed from, while it is still being issued. */
export function issuedClock(call: OutboundRpc): number | undefined {
  return call === issuing ? call.clock : undefined;
}

/** The outbound half of an app: builds each call's context and runs the client pipeline. */
export class Outbound implements Runtime {
  readonly logger: Logger;
  readonly #options: OutboundOptions;
  #now: number | undefined;

  constructor(options: OutboundOptions) {
    this.#options = options;
    this.logger = options.logger;
  }

  /** Sets `#now` to the clock when it had to be read, undefined otherwise. */
  #deadline(timeoutMs: number | undefined, deadline: number | undefined, parent: ServerCallImpl | undefined): number | undefined {
    let at = deadline;
    this.#now = undefined;
    if (timeoutMs !== undefined) {
      const now = Date.now();
      this.#now = now;
      const fromTimeout = now + timeoutMs;
      if (at === undefined || fromTimeout < at) at = fromTimeout;
    }
    const inherited = parent?.deadline;
    if (inherited !== undefined && (at === undefined || inherited < at)) at = inherited;
    return at;
  }

  #run(call: OutboundRpc): Promise<unknown> {
    const outer = issuing;
    issuing = call;
    try {
      return this.#options.pipeline.run(call);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      issuing = outer;
    }
  }

  call(ref: RpcRef, input: unknown, options: CallOptions | undefined, parent: ServerCallImpl | undefined): unknown {
    let metadata: Record<string, string>;
    if (parent === undefined && options?.metadata === undefined) metadata = { 'x-request-id': newRequestId() };
    else {
      metadata = propagate(parent?.metadata, options?.metadata);
      metadata[MetadataKey.requestId] = requestIdFor(parent, options?.metadata);
    }
    const timeoutMs = options?.timeoutMs ?? ref.timeoutMs ?? this.#options.defaultTimeoutMs;
    // Only a timeout counting from now, with nothing sooner to respect, can start pending.
    const pending = timeoutMs !== undefined && timeoutMs > 0 && options?.deadline === undefined && parent?.deadline === undefined;
    const deadline = pending ? undefined : this.#deadline(timeoutMs, options?.deadline, parent);
    const clock = pending ? undefined : this.#now;
    const pendingMs = pending ? (timeoutMs as number) : 0;
    const call = new OutboundRpc(ref, input, metadata, deadline, clock, pendingMs, options?.signal, parent, options?.address);
    // Transports reject with WharfError by contract (docs/writing-a-transport.md); not wrapping
    // the promise again saves a microtask hop on every call.
    const result = this.#run(call);
    return hasOutputStream(ref.stream) ? lazyStream(result as Promise<AsyncIterable<unknown>>) : result;
  }

  emit(
    event: EventRef | string,
    payload: unknown,
    options: EmitOptions | undefined,
    parent: ServerCallImpl | undefined,
  ): Promise<void> {
    let name: string;
    let key = options?.key;
    try {
      if (typeof event === 'string') {
        const problem = eventNameProblem(event);
        if (problem) throw new WharfError('INVALID_ARGUMENT', `Cannot emit: ${problem}`);
        name = event;
      } else {
        name = event.name;
        payload = parseOrThrow(event.payload, payload, `payload of event ${name}`);
        key ??= eventKey(event.key, payload);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const metadata = propagate(parent?.metadata, options?.metadata);
    metadata[MetadataKey.requestId] = requestIdFor(parent, options?.metadata);
    const emitter = parent?.service ?? this.#options.appName;
    const call: EventCall = {
      side: 'client',
      kind: 'event',
      service: emitter,
      method: name,
      name,
      payload,
      id: options?.id ?? crypto.randomUUID(),
      key,
      timestamp: Date.now(),
      emitter,
      metadata,
      deadline: this.#deadline(options?.timeoutMs ?? this.#options.defaultTimeoutMs, undefined, parent),
      signal: options?.signal ?? parent?.cancellation(),
      parent,
      transport: undefined,
      via: undefined,
      locals: {},
    };
    return settled(this.#options.pipeline, call) as Promise<void>;
  }
}
