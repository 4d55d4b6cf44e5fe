import { randomBytes } from 'node:crypto';
import { assertSendable, copyValue } from './copy.js';
import { type Crossing, type Dispatcher, LOCAL, type LocalHost, type Route } from './dispatcher.js';
import { type EventEndpoint, hasInputStream, hasOutputStream, type RpcEndpoint, type RpcRef, STREAM_KINDS } from './endpoint.js';
import { toWharfError, WharfError } from './errors.js';
import { MetadataKey } from './metadata.js';
import { fromIterable, mapStream, wrapStream } from './stream.js';
import { matchTopic } from './topic.js';
import type { InboundRequest, OutboundCall, OutboundEvent, Transport, TransportContext, TransportHost } from './transport.js';

interface Member {
  readonly endpoint: EventEndpoint;
  readonly node: MemoryNode;
}

interface Group {
  readonly pattern: string;
  readonly members: Member[];
  next: number;
}

/** Where a method is served in an app, and the app's own pipeline for it when it is unary. */
interface Target {
  readonly endpoint: RpcEndpoint;
  readonly route: Route | undefined;
}

const NOT_SERVED: Target = { endpoint: undefined as never, route: undefined };

/** One app attached to a network. */
interface MemoryNode {
  readonly host: TransportHost;
  readonly context: TransportContext;
  /** The app's dispatcher, for its unary routes; absent when the host is not an app's. */
  readonly dispatcher: Dispatcher | undefined;
  /** Where a method is served, or undefined; two major versions can be served side by side. */
  target(ref: RpcRef): Target | undefined;
  /** Why it refuses new top-level calls (draining, closed), or undefined while it accepts them. */
  refusal(): WharfError | undefined;
  /** Counts an event delivery that has not reached the dispatcher yet, so close waits for it. */
  pending(delta: 1 | -1): void;
}

/**
 * A set of apps in one process that reach each other in memory. Share one network (and one
 * registry) between apps to connect them; each app gets a fresh one by default.
 */
export class MemoryNetwork {
  readonly id = randomBytes(6).toString('hex');
  readonly #nodes = new Map<string, MemoryNode>();
  readonly #prefix = `memory://${this.id}/`;
  // One group per service and handler: every handler whose pattern matches gets each event
  // once, and the instances of one service share the work, as with a broker's queues.
  readonly #groups = new Map<string, Group>();

  attach(node: MemoryNode): string {
    const address = `${this.#prefix}${node.context.instanceId}`;
    this.#nodes.set(address, node);
    for (const endpoint of node.host.subscriptions) {
      const key = `${endpoint.service}:${endpoint.name}`;
      let group = this.#groups.get(key);
      if (group === undefined) {
        group = { pattern: endpoint.pattern, members: [], next: 0 };
        this.#groups.set(key, group);
      }
      group.members.push({ endpoint, node });
    }
    return address;
  }

  detach(node: MemoryNode): void {
    this.#nodes.delete(`${this.#prefix}${node.context.instanceId}`);
    for (const [key, group] of this.#groups) {
      const kept = group.members.filter((m) => m.node !== node);
      group.members.splice(0, group.members.length, ...kept);
      if (kept.length === 0) this.#groups.delete(key);
    }
  }

  node(address: string): MemoryNode | undefined {
    return this.#nodes.get(address);
  }

  /** The members that receive an event: one per matching group, round robin within it. */
  receivers(name: string): Member[] {
    const out: Member[] = [];
    for (const group of this.#groups.values()) {
      if (group.members.length === 0 || !matchTopic(group.pattern, name)) continue;
      group.next = (group.next + 1) % group.members.length;
      out.push(group.members[group.next] as Member);
    }
    return out;
  }
}

/** The error rebuilt from its wire form, exactly as a remote caller would receive it. */
function toRemote(error: unknown): WharfError {
  return WharfError.fromWire(toWharfError(error).toWire());
}

function throwRemote(error: unknown): never {
  throw toRemote(error);
}

/** The output copied for the caller; a value that could not cross a network is the server's bug. */
function copyOutput(output: unknown): unknown {
  try {
    return copyValue(output);
  } catch (error) {
    throw new WharfError('INTERNAL', `A handler returned a value that cannot be sent: ${(error as Error).message}`);
  }
}

function copyStream(output: unknown): AsyncIterable<unknown> {
  return wrapStream(mapStream(output as AsyncIterable<unknown>, copyOutput), { done() {}, mapError: toRemote });
}

/** What crosses back to an in-process caller: copies of outputs, errors rebuilt from the wire. */
const CROSSING: Crossing = { output: copyOutput, error: toRemote };

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
  const network = options.network ?? new MemoryNetwork();
  let self: MemoryNode | undefined;
  let attached: TransportContext | undefined;
  let closed = false;
  let pendingEvents = 0;
  let onSettled: (() => void) | undefined;

  function deliver(member: Member, event: OutboundEvent, payload: unknown): void {
    const { node, endpoint } = member;
    const info = { id: event.id, name: event.name, emitter: event.emitter, timestamp: event.timestamp, attempt: 1 };
    node.pending(1);
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
      node.pending(-1);
    });
  }

  return {
    name: 'memory',
    streams: STREAM_KINDS,

    attach(context) {
      attached = context;
    },

    async listen(host) {
      const context = attached;
      if (context === undefined) throw new Error('The in-memory transport was not attached: pass it to createApp');
      const byName = new Map(host.rpcs.map((endpoint) => [`${endpoint.fullName}@${endpoint.major}`, endpoint]));
      const dispatcher = (host as LocalHost)[LOCAL];
      // Cached per method reference: building and hashing a string key per call is measurable here.
      const byRef = new WeakMap<RpcRef, Target>();
      self = {
        host,
        context,
        dispatcher,
        target(ref) {
          let found = byRef.get(ref);
          if (found === undefined) {
            const endpoint = byName.get(`${ref.fullName}@${ref.major}`);
            const route = endpoint?.stream === 'unary' ? dispatcher?.route(endpoint) : undefined;
            found = endpoint === undefined ? NOT_SERVED : { endpoint, route };
            byRef.set(ref, found);
          }
          return found === NOT_SERVED ? undefined : found;
        },
        refusal() {
          if (closed || host.state === 'draining' || host.state === 'stopped') {
            return new WharfError('UNAVAILABLE', `${context.appName} is shutting down; retry on another instance`);
          }
          return undefined;
        },
        pending(delta) {
          pendingEvents += delta;
          if (pendingEvents === 0) onSettled?.();
        },
      };
      return [network.attach(self)];
    },

    reaches(address) {
      return network.node(address) !== undefined;
    },

    call(call) {
      const node = network.node(call.address);
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
        return node.dispatcher.local(endpoint, route, input, call, CROSSING);
      }
      const request: InboundRequest = {
        transport: 'memory',
        metadata: call.metadata,
        // Set by the caller's own process (generated, or given by its code): nothing to sanitise.
        requestId: call.metadata[MetadataKey.requestId],
        deadline: call.deadline,
        signal: call.signal,
        response: undefined,
        event: undefined,
      };
      return node.host
        .dispatch(endpoint, input, request)
        .then(hasOutputStream(endpoint.stream) ? copyStream : copyOutput, throwRemote);
    },

    async publish(event) {
      if (closed) throw new WharfError('UNAVAILABLE', 'The in-memory event bus is closed');
      let payload: unknown;
      try {
        payload = copyValue(event.payload);
      } catch (error) {
        throw new WharfError(
          'INVALID_ARGUMENT',
          `The payload of event ${event.name} cannot be sent: ${(error as Error).message}`,
        );
      }
      let first = true;
      for (const member of network.receivers(event.name)) {
        deliver(member, event, first ? payload : copyValue(payload)); // each subscriber its own copy
        first = false;
      }
    },

    async close(signal) {
      // The app closes this transport last, after its dispatcher is idle; only event deliveries
      // not yet handed to a dispatcher remain to wait for.
      if (pendingEvents > 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          onSettled = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      closed = true;
      if (self !== undefined) network.detach(self);
      self = undefined;
    },
  };
}
