import type { Balancer } from '../balancer.js';
import type { RpcCall } from '../client-call.js';
import { WharfError } from '../errors.js';
import { majorOf } from '../names.js';
import type { ClientMiddleware } from '../pipeline.js';
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
  readonly source: readonly ServiceInstance[];
  readonly instances: readonly ServiceInstance[];
}

/** The scheme of an address (`http://x` → `http`), or undefined when it has none. */
export function schemeOf(address: string): string | undefined {
  const end = address.indexOf('://');
  return end > 0 ? address.slice(0, end) : undefined;
}

/**
 * Built-in client middleware: picks where an RPC goes (registry lookup, version filter,
 * transport preference, balancer) and which transport sends an event (the bus).
 */
export function resolve(options: ResolveOptions): ClientMiddleware {
  const bySchema = new Map<string, Transport>();
  for (const transport of options.transports) if (!bySchema.has(transport.name)) bySchema.set(transport.name, transport);
  // Lower is preferred: in-process first, then the app's transport order; unusable is Infinity.
  const rank = (instance: ServiceInstance): number => {
    const scheme = schemeOf(instance.address);
    if (scheme === undefined || !bySchema.has(scheme)) return Number.POSITIVE_INFINITY;
    return scheme === 'memory' ? -1 : options.transports.findIndex((t) => t.name === scheme);
  };
  // Candidates per service and major version, cached until the registry returns a new array.
  const cache = new Map<string, Candidates>();
  function candidates(call: RpcCall, source: readonly ServiceInstance[]): readonly ServiceInstance[] {
    const key = `${call.ref.service}@${call.ref.major}`;
    const hit = cache.get(key);
    if (hit !== undefined && hit.source === source) return hit.instances;
    const usable = source.filter((i) => majorOf(i.version) === call.ref.major && rank(i) !== Number.POSITIVE_INFINITY);
    const best = Math.min(...usable.map(rank));
    const instances = usable.filter((i) => rank(i) === best);
    cache.set(key, { source, instances });
    return instances;
  }
  function choose(call: RpcCall, source: readonly ServiceInstance[]): void {
    const instance = options.balancer.pick(candidates(call, source), call);
    if (instance === undefined) {
      throw new WharfError(
        'UNAVAILABLE',
        `No instance of ${call.ref.service} v${call.ref.major} is reachable over ${[...bySchema.keys()].join(', ')}: start one, register it, or pass an address`,
      );
    }
    call.address = instance.address;
  }

  return (call, next) => {
    if (call.kind === 'event') {
      call.transport ??= options.bus;
      return next();
    }
    if (call.address === undefined) {
      const found = options.registry.lookup(call.ref.service);
      if (!Array.isArray(found)) {
        return (found as Promise<readonly ServiceInstance[]>).then((source) => {
          choose(call, source);
          call.transport ??= transportFor(call.address as string);
          return next();
        });
      }
      choose(call, found as readonly ServiceInstance[]);
    }
    call.transport ??= transportFor(call.address as string);
    return next();
  };

  function transportFor(address: string): Transport {
    const scheme = schemeOf(address);
    const transport = scheme === undefined ? undefined : bySchema.get(scheme);
    if (transport === undefined) {
      throw new WharfError(
        'UNAVAILABLE',
        `No transport for address ${JSON.stringify(address)}: add a transport named "${scheme}" to the app`,
      );
    }
    return transport;
  }
}
