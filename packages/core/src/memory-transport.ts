import { randomBytes } from 'node:crypto';
import { copyValue } from './copy.js';
import { type EventEndpoint, hasInputStream, hasOutputStream, type RpcEndpoint, STREAM_KINDS } from './endpoint.js';
import { toWharfError, WharfError } from './errors.js';
import { fromIterable, mapStream, wrapStream } from './stream.js';
import { matchTopic } from './topic.js';
import type { OutboundCall, OutboundEvent, Transport, TransportHost } from './transport.js';

interface Member {
  readonly endpoint: EventEndpoint;
  readonly node: MemoryNode;
}

interface Group {
  readonly pattern: string;
  readonly members: Member[];
  next: number;
}

/** One app attached to a network. */
interface MemoryNode {
  readonly host: TransportHost;
  readonly rpcs: ReadonlyMap<string, RpcEndpoint>;
  /** Runs `work` as in-flight work of this node, or rejects when it no longer accepts it. */
  run<T>(work: () => Promise<T>, nested: boolean): Promise<T>;
  track<T>(stream: AsyncIterable<T>): AsyncIterable<T>;
}

/**
 * A set of apps in one process that reach each other in memory. Share one network (and one
 * registry) between apps to connect them; each app gets a fresh one by default.
 */
export class MemoryNetwork {
  readonly id = randomBytes(6).toString('hex');
  readonly #nodes = new Map<string, MemoryNode>();
  // One group per service and handler: every handler whose pattern matches gets each event
  // once, and the instances of one service share the work, as with a broker's queues.
  readonly #groups = new Map<string, Group>();

  attach(node: MemoryNode): string {
    this.#nodes.set(node.host.instanceId, node);
    for (const endpoint of node.host.subscriptions) {
      const key = `${endpoint.service}:${endpoint.name}`;
      let group = this.#groups.get(key);
      if (group === undefined) {
        group = { pattern: endpoint.pattern, members: [], next: 0 };
        this.#groups.set(key, group);
      }
      group.members.push({ endpoint, node });
    }
    return `memory://${this.id}/${node.host.instanceId}`;
  }

  detach(node: MemoryNode): void {
    this.#nodes.delete(node.host.instanceId);
    for (const [key, group] of this.#groups) {
      const kept = group.members.filter((m) => m.node !== node);
      group.members.splice(0, group.members.length, ...kept);
      if (kept.length === 0) this.#groups.delete(key);
    }
  }

  node(address: string): MemoryNode | undefined {
    const prefix = `memory://${this.id}/`;
    return address.startsWith(prefix) ? this.#nodes.get(address.slice(prefix.length)) : undefined;
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
/** The error rebuilt from its wire form, exactly as a remote caller would receive it. */
function toRemote(error: unknown): WharfError {
  return WharfError.fromWire(toWharfError(error).toWire());
}

function copyInput(call: OutboundCall): unknown {
  try {
    if (hasInputStream(call.ref.stream)) {
      return mapStream(fromIterable(call.input as AsyncIterable<unknown>), copyValue);
    }
    return copyValue(call.input);
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
  let closing = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const done = () => {
    inFlight--;
    if (inFlight === 0) idle?.();
  };

  function deliver(member: Member, event: OutboundEvent): void {
    const { node, endpoint } = member;
    const info = { id: event.id, name: event.name, emitter: event.emitter, timestamp: event.timestamp, attempt: 1 };
    const payload = copyValue(event.payload);
    const metadata = { ...event.metadata };
    // Delivered on a later turn, as from a broker: the emitter never runs its subscribers' code.
    node
      .run(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        return node.host.dispatch(endpoint, payload, { transport: 'memory', metadata, event: info });
      }, true)
      .catch((error: unknown) => {
        node.host.logger.warn(
          { err: toWharfError(error).toWire(), event: event.name, eventId: event.id, handler: endpoint.source },
          'An event handler failed; the in-memory bus does not retry (the AMQP transport retries and dead-letters)',
        );
      });
  }

  return {
    name: 'memory',
    streams: STREAM_KINDS,

    async listen(host) {
      const rpcs = new Map(host.rpcs.map((endpoint) => [endpoint.fullName, endpoint]));
      self = {
        host,
        rpcs,
        run(work, nested) {
          // While draining, work that belongs to an in-flight request (a nested call, an event
          // being delivered) is still served; new top-level calls are refused.
          if ((closing || host.state === 'draining') && !nested) {
            return Promise.reject(new WharfError('UNAVAILABLE', `${host.appName} is shutting down; retry on another instance`));
          }
          inFlight++;
          let result: Promise<never>;
          try {
            result = work() as Promise<never>;
          } catch (error) {
            done();
            return Promise.reject(error);
          }
          return result.then(
            (value) => {
              done();
              return value;
            },
            (error: unknown) => {
              done();
              throw error;
            },
          );
        },
        track(stream) {
          inFlight++;
          return wrapStream(stream, { done });
        },
      };
      return [network.attach(self)];
    },

    call(call) {
      const node = network.node(call.address);
      if (node === undefined) {
        return Promise.reject(
          new WharfError('UNAVAILABLE', `Nothing listens at ${call.address} (stopped, or on another in-memory network)`),
        );
      }
      const endpoint = node.rpcs.get(call.ref.fullName);
      if (endpoint === undefined) {
        return Promise.reject(new WharfError('UNIMPLEMENTED', `${call.address} does not serve ${call.ref.fullName}`));
      }
      let input: unknown;
      try {
        input = copyInput(call);
      } catch (error) {
        return Promise.reject(error);
      }
      const request = { transport: 'memory', metadata: { ...call.metadata }, deadline: call.deadline, signal: call.signal };
      const streams = hasOutputStream(endpoint.stream);
      return node
        .run(() => node.host.dispatch(endpoint, input, request), call.parent !== undefined)
        .then(
          (output) =>
            streams
              ? node.track(wrapStream(mapStream(output as AsyncIterable<unknown>, copyValue), { done() {}, mapError: toRemote }))
              : copyValue(output),
          (error: unknown) => {
            throw toRemote(error);
          },
        );
    },

    async publish(event) {
      if (self === undefined && closing) throw new WharfError('UNAVAILABLE', 'The in-memory event bus is closed');
      for (const member of network.receivers(event.name)) deliver(member, event);
    },

    async close(signal) {
      closing = true;
      if (inFlight > 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          idle = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      if (self !== undefined) network.detach(self);
      self = undefined;
    },
  };
}
