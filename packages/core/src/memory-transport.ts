import { assertSendable, copyOutput, copyValue } from './copy.js';
import { LOCAL, type LocalHost, type Route } from './dispatcher.js';
import { hasInputStream, hasOutputStream, STREAM_KINDS, type StreamKind } from './endpoint.js';
import { throughWire, toWharfError, WharfError } from './errors.js';
import { type Member, MemoryNetwork, MemoryNode, type NodeOwner } from './memory-network.js';
import { MetadataKey } from './metadata.js';
import { fromIterable, mapStream, wrapStream } from './stream.js';
import type { InboundRequest, OutboundCall, OutboundEvent, Transport, TransportContext, TransportHost } from './transport.js';

export { MemoryNetwork };

function copyStream(output: unknown): AsyncIterable<unknown> {
  return wrapStream(mapStream(output as AsyncIterable<unknown>, copyOutput), { done() {}, mapError: throughWire });
}

/**
 * The input as the server receives it: a copy, unless the server's pipeline parses it into a
 * fresh value before anything else reads it; then only what a copy would refuse is refused.
 */
function inputFor(call: OutboundCall, route: Route | undefined): unknown {
  try {
    if (hasInputStream(call.ref.stream)) {
      return mapStream(fromIterable(call.input as AsyncIterable<unknown>), copyValue);
    }
    if (route?.copiesInput !== true) return copyValue(call.input);
    assertSendable(call.input);
    return call.input;
  } catch (error) {
    throw new WharfError('INVALID_ARGUMENT', `The input of ${call.ref.fullName} cannot be sent: ${(error as Error).message}`);
  }
}

/** Options of the in-memory transport. */
export interface MemoryTransportOptions {
  /** The network to join; a fresh one when omitted. */
  readonly network?: MemoryNetwork;
}

/**
 * The in-memory transport: calls and events between apps of one process, through the full
 * pipeline, with every value copied (no shared mutable objects) and errors rebuilt from their
 * wire form. Events are delivered once per subscribing handler and not retried.
 */
export function memoryTransport(options: MemoryTransportOptions = {}): Transport {
  return new MemoryTransport(options.network ?? new MemoryNetwork());
}

// A class, not an object of closures: every app's calls then run the same methods (see Layer).
class MemoryTransport implements Transport, NodeOwner {
  readonly name = 'memory';
  readonly streams: readonly StreamKind[] = STREAM_KINDS;
  closed = false;
  readonly #network: MemoryNetwork;
  #self: MemoryNode | undefined;
  #attached: TransportContext | undefined;
  #pendingEvents = 0;
  #onSettled: (() => void) | undefined;

  constructor(network: MemoryNetwork) {
    this.#network = network;
  }

  pending(delta: 1 | -1): void {
    this.#pendingEvents += delta;
    if (this.#pendingEvents === 0) this.#onSettled?.();
  }

  attach(context: TransportContext): void {
    this.#attached = context;
  }

  async listen(host: TransportHost): Promise<readonly string[]> {
    const context = this.#attached;
    if (context === undefined) throw new Error('The in-memory transport was not attached: pass it to createApp');
    this.#self = new MemoryNode(host, context, (host as LocalHost)[LOCAL], this);
    return [this.#network.attach(this.#self)];
  }

  reaches(address: string): boolean {
    return this.#network.node(address) !== undefined;
  }

  call(call: OutboundCall): Promise<unknown> {
    const node = this.#network.node(call.address);
    if (node === undefined) {
      return Promise.reject(
        new WharfError('UNAVAILABLE', `Nothing listens at ${call.address} (stopped, or on another in-memory network)`),
      );
    }
    const target = node.target(call.ref);
    if (target === undefined) {
      return Promise.reject(
        new WharfError('UNIMPLEMENTED', `${call.address} does not serve ${call.ref.fullName} v${call.ref.major}`),
      );
    }
    // While draining, calls made by in-flight requests (they have a parent) are still served,
    // so handlers can finish; new top-level calls are refused.
    const refusal = call.parent === undefined ? node.refusal() : undefined;
    if (refusal !== undefined) return Promise.reject(refusal);
    const { endpoint, route } = target;
    let input: unknown;
    try {
      input = inputFor(call, route);
    } catch (error) {
      return Promise.reject(error);
    }
    if (route !== undefined && node.dispatcher !== undefined) {
      return node.dispatcher.local(endpoint, route, input, call);
    }
    const request: InboundRequest = {
      transport: 'memory',
      metadata: call.metadata,
      // Set by the caller's own process (generated, or given by its code): nothing to sanitise.
      requestId: call.metadata[MetadataKey.requestId],
      deadline: call.deadline,
      onCancel: (cancel) => call.onCancel(cancel),
      response: undefined,
      event: undefined,
    };
    return node.host
      .dispatch(endpoint, input, request)
      .then(hasOutputStream(endpoint.stream) ? copyStream : copyOutput, (error: unknown) => {
        throw throughWire(error);
      });
  }

  async publish(event: OutboundEvent): Promise<void> {
    if (this.closed) throw new WharfError('UNAVAILABLE', 'The in-memory event bus is closed');
    let payload: unknown;
    try {
      payload = copyValue(event.payload);
    } catch (error) {
      throw new WharfError('INVALID_ARGUMENT', `The payload of event ${event.name} cannot be sent: ${(error as Error).message}`);
    }
    let first = true;
    for (const member of this.#network.receivers(event.name)) {
      deliver(member, event, first ? payload : copyValue(payload)); // each subscriber its own copy
      first = false;
    }
  }

  async close(signal: AbortSignal): Promise<void> {
    // The app closes this transport last, after its dispatcher is idle; only event deliveries
    // not yet handed to a dispatcher remain to wait for.
    if (this.#pendingEvents > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#onSettled = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    this.closed = true;
    if (this.#self !== undefined) this.#network.detach(this.#self);
    this.#self = undefined;
  }
}

function deliver(member: Member, event: OutboundEvent, payload: unknown): void {
  const { node, endpoint } = member;
  const info = { id: event.id, name: event.name, emitter: event.emitter, timestamp: event.timestamp, attempt: 1 };
  node.owner.pending(1);
  // Delivered on a later turn, as from a broker: the emitter never runs its subscribers' code.
  setImmediate(() => {
    node.host
      .dispatch(endpoint, payload, {
        transport: 'memory',
        metadata: event.metadata,
        requestId: event.metadata[MetadataKey.requestId],
        deadline: undefined,
        signal: undefined,
        response: undefined,
        event: info,
      })
      .catch((error: unknown) => {
        node.context.logger.warn(
          { err: toWharfError(error).toWire(), event: event.name, eventId: event.id, handler: endpoint.source },
          'An event handler failed; the in-memory bus does not retry (the AMQP transport retries and dead-letters)',
        );
      });
    node.owner.pending(-1);
  });
}
