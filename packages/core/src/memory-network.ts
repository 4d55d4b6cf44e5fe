import { randomBytes } from 'node:crypto';
import type { Dispatcher, Route } from './dispatcher.js';
import type { EventEndpoint, RpcEndpoint, RpcRef } from './endpoint.js';
import { WharfError } from './errors.js';
import { matchTopic } from './topic.js';
import type { TransportContext, TransportHost } from './transport.js';

/** An event subscription of one app on the network. */
export interface Member {
  readonly endpoint: EventEndpoint;
  readonly node: MemoryNode;
}

interface Group {
  readonly pattern: string;
  readonly members: Member[];
  next: number;
}

/** Where a method is served in an app, and the app's own pipeline for it when it is unary. */
export interface Target {
  readonly endpoint: RpcEndpoint;
  readonly route: Route | undefined;
}

const NOT_SERVED: Target = { endpoint: undefined as never, route: undefined };

/** What a node needs from the transport that attached it. */
export interface NodeOwner {
  /** True once the transport is closed. */
  readonly closed: boolean;
  /** Counts an event delivery that has not reached the dispatcher yet, so close waits for it. */
  pending(delta: 1 | -1): void;
}

/** One app attached to a network. */
export class MemoryNode {
  readonly host: TransportHost;
  readonly context: TransportContext;
  /** The app's dispatcher, for its unary routes; absent when the host is not an app's. */
  readonly dispatcher: Dispatcher | undefined;
  readonly owner: NodeOwner;
  readonly #byName: Map<string, RpcEndpoint>;
  // Cached per method reference: building and hashing a string key per call is measurable here.
  readonly #byRef = new WeakMap<RpcRef, Target>();

  constructor(host: TransportHost, context: TransportContext, dispatcher: Dispatcher | undefined, owner: NodeOwner) {
    this.host = host;
    this.context = context;
    this.dispatcher = dispatcher;
    this.owner = owner;
    this.#byName = new Map(host.rpcs.map((endpoint) => [`${endpoint.fullName}@${endpoint.major}`, endpoint]));
  }

  /** Where a method is served, or undefined; two major versions can be served side by side. */
  target(ref: RpcRef): Target | undefined {
    let found = this.#byRef.get(ref);
    if (found === undefined) {
      const endpoint = this.#byName.get(`${ref.fullName}@${ref.major}`);
      const route = endpoint?.stream === 'unary' ? this.dispatcher?.route(endpoint) : undefined;
      found = endpoint === undefined ? NOT_SERVED : { endpoint, route };
      this.#byRef.set(ref, found);
    }
    return found === NOT_SERVED ? undefined : found;
  }

  /** Why it refuses new top-level calls (draining, closed), or undefined while it accepts them. */
  refusal(): WharfError | undefined {
    const state = this.host.state;
    if (this.owner.closed || state === 'draining' || state === 'stopped') {
      return new WharfError('UNAVAILABLE', `${this.context.appName} is shutting down; retry on another instance`);
    }
    return undefined;
  }
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
