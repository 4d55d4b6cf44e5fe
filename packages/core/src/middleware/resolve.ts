import type { Balancer } from '../balancer.js';
import type { ClientCall, RpcCall } from '../client-call.js';
import type { RpcRef } from '../endpoint.js';
import { WharfError } from '../errors.js';
import { majorOf } from '../names.js';
import { type ClientMiddleware, DIRECT, type Fusable, type Layer } from '../pipeline.js';
import type { Registry, ServiceInstance } from '../registry.js';
import type { Transport } from '../transport.js';

/** What `resolve` needs: where to look, how to choose, and what can send. */
export interface ResolveOptions {
  readonly registry: Registry;
  readonly balancer: Balancer;
  /** Client-capable transports in order of preference; `memory` is always preferred when present. */
  readonly transports: readonly Transport[];
  /** The app's event bus. */
  readonly bus: Transport | undefined;
}

interface Candidates {
  /** The registry's array these were computed from; a new array means the set changed. */
  readonly source: readonly ServiceInstance[];
  readonly instances: readonly ServiceInstance[];
  readonly transport: Transport | undefined;
}

/** Sets the transport that sends `call` (`via`) and its name (`transport`). */
function via(call: ClientCall, transport: Transport | undefined): void {
  call.via = transport;
  call.transport = transport?.name;
}

/** The scheme of an address (`http://x` → `http`), or undefined when it has none. */
export function schemeOf(address: string): string | undefined {
  const end = address.indexOf('://');
  return end > 0 ? address.slice(0, end) : undefined;
}

/**
 * Built-in client middleware: picks where an RPC goes (registry lookup, major-version filter,
 * transport preference, balancer) and which transport sends an event (the bus). The filtered
 * candidates are cached per method until the registry's answer changes, so the usual cost is one
 * lookup and one balancer pick.
 */
export function resolve(options: ResolveOptions): ClientMiddleware {
  const resolver = new Resolver(options);
  const middleware: Fusable<ClientCall> = (call, next) => new ResolveLayer(resolver, { run: next }).run(call);
  middleware[DIRECT] = (inner) => new ResolveLayer(resolver, inner);
  return middleware;
}

/** What `resolve` knows of an app: its transports by scheme, and the candidates cached per method. */
class Resolver {
  readonly options: ResolveOptions;
  readonly #byScheme = new Map<string, Transport>();
  readonly #cache = new WeakMap<RpcRef, Candidates>();

  constructor(options: ResolveOptions) {
    this.options = options;
    for (const transport of options.transports) {
      if (!this.#byScheme.has(transport.name)) this.#byScheme.set(transport.name, transport);
    }
  }

  // Lower is preferred: in-process first, then the app's transport order; unusable is Infinity.
  #rank(instance: ServiceInstance): number {
    const scheme = schemeOf(instance.address);
    const transport = scheme === undefined ? undefined : this.#byScheme.get(scheme);
    if (transport === undefined || transport.reaches?.(instance.address) === false) return Number.POSITIVE_INFINITY;
    return scheme === 'memory' ? -1 : this.options.transports.indexOf(transport);
  }

  #candidates(ref: RpcRef, source: readonly ServiceInstance[]): Candidates {
    const hit = this.#cache.get(ref);
    if (hit !== undefined && hit.source === source) return hit;
    const rank = (i: ServiceInstance) => this.#rank(i);
    const usable = source.filter((i) => majorOf(i.version) === ref.major && rank(i) !== Number.POSITIVE_INFINITY);
    const best = Math.min(...usable.map(rank));
    const instances = usable.filter((i) => rank(i) === best);
    const scheme = instances[0] === undefined ? undefined : schemeOf(instances[0].address);
    const entry = { source, instances, transport: scheme === undefined ? undefined : this.#byScheme.get(scheme) };
    this.#cache.set(ref, entry);
    return entry;
  }

  choose(call: RpcCall, source: readonly ServiceInstance[]): void {
    const found = this.#candidates(call.ref, source);
    const instance = this.options.balancer.pick(found.instances, call);
    if (instance === undefined) {
      throw new WharfError(
        'UNAVAILABLE',
        `No instance of ${call.ref.service} v${call.ref.major} is reachable over ${[...this.#byScheme.keys()].join(', ')}: start one, register it, or pass an address`,
      );
    }
    call.address = instance.address;
    if (call.via === undefined) via(call, found.transport);
  }

  transportFor(address: string): Transport {
    const scheme = schemeOf(address);
    const transport = scheme === undefined ? undefined : this.#byScheme.get(scheme);
    if (transport === undefined) {
      throw new WharfError(
        'UNAVAILABLE',
        `No transport for address ${JSON.stringify(address)}: add a transport named "${scheme}" to the app`,
      );
    }
    return transport;
  }
}

class ResolveLayer implements Layer<ClientCall> {
  readonly #resolver: Resolver;
  readonly #inner: Layer<ClientCall>;

  constructor(resolver: Resolver, inner: Layer<ClientCall>) {
    this.#resolver = resolver;
    this.#inner = inner;
  }

  run(call: ClientCall): Promise<unknown> {
    const resolver = this.#resolver;
    if (call.kind === 'event') {
      if (call.via === undefined) via(call, resolver.options.bus);
      return this.#inner.run(call);
    }
    if (call.address !== undefined) {
      if (call.via === undefined) via(call, resolver.transportFor(call.address));
      return this.#inner.run(call);
    }
    const found = resolver.options.registry.lookup(call.ref.service);
    if (Array.isArray(found)) {
      resolver.choose(call, found);
      return this.#inner.run(call);
    }
    return (found as Promise<readonly ServiceInstance[]>).then((source) => {
      resolver.choose(call, source);
      return this.#inner.run(call);
    });
  }
}
