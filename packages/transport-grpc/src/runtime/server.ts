// The server half: one grpc-js Server per transport, a hand-built ServiceDefinition per gRPC
// service (generated or bound to a .proto), health and reflection beside them.
import { hostname } from 'node:os';
import {
  type ServiceDefinition as GrpcServiceDefinition,
  Server,
  ServerCredentials,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { DeclarationError } from '@wharf/core';
import type { RpcEndpoint, TransportContext, TransportHost } from '@wharf/core/transport';
import { type CompiledService, compileService } from '../schema/generate.js';
import type { MethodWire } from '../schema/method-wire.js';
import { bindMethods, type LoadedProto, loadProto } from '../schema/proto-binding.js';
import { isBound, type ProtoBinding } from '../schema/rpc-options.js';
import { Health } from './health.js';
import { DEFAULTS, defaultTimeoutOf, type GrpcTransportOptions, serverChannelOptions } from './options.js';
import { addReflection } from './reflection.js';
import { keepRepeatedMetadata } from './repeated-headers.js';
import { requestTimeouts } from './request-timeouts.js';
import type { Route, Served } from './route.js';
import { handlerFor } from './server-calls.js';

const passthrough = (value: Buffer): Buffer => value;

/**
 * At the drain cut-off the app cancels what still runs with UNAVAILABLE in the same abort event
 * that tells this server to stop; the statuses go out from microtasks and HTTP/2 writes after it.
 * Forcing the shutdown at once destroyed the sessions first, and callers got CANCELLED. Instead the
 * sessions (already closing gracefully) end by themselves once those statuses are sent; what is
 * still open after this long (a stream whose reader stopped reading holds its trailers behind
 * flow control) is destroyed.
 */
const CUT_OFF_GRACE_MS = 500;

interface Plan {
  readonly generated: CompiledService[];
  readonly bound: LoadedProto[];
  /** Routes per gRPC service (fully-qualified name). */
  readonly services: Map<string, Route[]>;
}

/** Compiles every RPC of the host to its wire; throws one DeclarationError listing every problem. */
function plan(host: TransportHost): Plan {
  const problems: string[] = [];
  const generated: CompiledService[] = [];
  const services = new Map<string, Route[]>();
  const endpoints = new Map<string, RpcEndpoint>();
  const add = (service: string, wire: MethodWire, endpoint: RpcEndpoint) => {
    const routes = services.get(service) ?? [];
    const clash = routes.find((r) => r.wire.path === wire.path);
    if (clash !== undefined) {
      problems.push(`${endpoint.source}: ${wire.path} is already served by ${clash.endpoint.source}`);
      return;
    }
    routes.push({ endpoint, wire });
    services.set(service, routes);
  };
  for (const service of host.services) {
    const rpcs = service.rpcs.filter((rpc) => host.rpcs.includes(rpc));
    try {
      const compiled = compileService({ name: service.name, major: service.major, description: service.description, rpcs });
      if (compiled !== undefined) {
        generated.push(compiled);
        compiled.methods.forEach((wire) => {
          add(compiled.file.service, wire, wire.ref as RpcEndpoint);
        });
      }
    } catch (error) {
      if (error instanceof DeclarationError) problems.push(...error.problems);
      else throw error;
    }
    for (const rpc of rpcs) if (isBound(rpc)) endpoints.set(rpc.fullName, rpc);
  }
  const byBinding = new Map<ProtoBinding, RpcEndpoint[]>();
  for (const endpoint of endpoints.values()) {
    const binding = endpoint.grpc?.proto as ProtoBinding;
    byBinding.set(binding, [...(byBinding.get(binding) ?? []), endpoint]);
  }
  const bound: LoadedProto[] = [];
  for (const [binding, refs] of byBinding) {
    try {
      const proto = loadProto(binding, (refs[0] as RpcEndpoint).source);
      bound.push(proto);
      const fqn = proto.service.fullName.slice(1);
      for (const wire of bindMethods(proto, refs, 'grpc')) add(fqn, wire, wire.ref as RpcEndpoint);
    } catch (error) {
      if (error instanceof DeclarationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new DeclarationError(problems);
  return { generated, bound, services };
}

/** The grpc-js definition and handlers of one service. Messages pass as bytes: the handlers decode and encode them. */
function serviceOf(
  routes: readonly Route[],
  served: Served,
  defaultTimeoutMs: number | undefined,
): { definition: GrpcServiceDefinition; implementation: UntypedServiceImplementation } {
  const definition: Record<string, unknown> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const route of routes) {
    const name = route.wire.path.slice(route.wire.path.lastIndexOf('/') + 1);
    const stream = route.endpoint.stream;
    definition[name] = {
      path: route.wire.path,
      requestStream: stream === 'client' || stream === 'bidi',
      responseStream: stream === 'server' || stream === 'bidi',
      requestSerialize: passthrough,
      requestDeserialize: passthrough,
      responseSerialize: passthrough,
      responseDeserialize: passthrough,
      originalName: name,
    };
    implementation[name] = handlerFor(served, route, defaultTimeoutMs);
  }
  return { definition: definition as GrpcServiceDefinition, implementation };
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The server half of the gRPC transport. */
export class GrpcServer {
  readonly #options: GrpcTransportOptions;
  #server: Server | undefined;
  #health: Health | undefined;
  #offReadiness: (() => void) | undefined;

  constructor(options: GrpcTransportOptions) {
    this.#options = options;
  }

  async listen(host: TransportHost, context: TransportContext): Promise<string[]> {
    const { generated, bound, services } = plan(host);
    const options = this.#options;
    const server = new Server({
      ...serverChannelOptions(options),
      interceptors: [requestTimeouts(options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs)],
    });
    const served: Served = { dispatch: host.dispatch, logger: context.logger };
    const defaultTimeoutMs = defaultTimeoutOf(options);
    for (const routes of services.values()) {
      const { definition, implementation } = serviceOf(routes, served, defaultTimeoutMs);
      server.addService(definition, implementation);
    }
    if (options.health !== false) {
      const health = new Health([...services.keys()]);
      health.addTo(server);
      health.set(host.isReady());
      this.#offReadiness = host.onReadinessChange((ready) => health.set(ready));
      this.#health = health;
    }
    if (options.reflection !== false) addReflection(server, generated, bound, options.health !== false);

    const bindHost = options.host ?? DEFAULTS.host;
    const credentials = options.serverCredentials ?? ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${bracket(bindHost)}:${options.port ?? DEFAULTS.port}`, credentials, (error, bound) => {
        if (error)
          reject(
            new Error(`gRPC cannot listen on ${bindHost}:${options.port ?? DEFAULTS.port}: ${error.message}`, { cause: error }),
          );
        else resolve(bound);
      });
    });
    keepRepeatedMetadata(server);
    this.#server = server;
    const advertised = options.advertiseHost ?? (isWildcard(bindHost) ? hostname() : bindHost);
    const address = `grpc://${bracket(advertised)}:${port}`;
    context.logger.info(
      { address, services: [...services.keys()], health: options.health !== false, reflection: options.reflection !== false },
      `gRPC listening on ${address}`,
    );
    return [address];
  }

  /**
   * Stops accepting calls (GOAWAY), lets in-flight ones finish; when `signal` aborts, cuts what is
   * left — after the answers the cut-off gave are out (see CUT_OFF_GRACE_MS).
   */
  async close(signal: AbortSignal): Promise<void> {
    this.#offReadiness?.();
    this.#health?.endWatches();
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const force = () => {
        clearTimeout(grace);
        server.forceShutdown();
        resolve();
      };
      const cutOff = () => {
        grace = setTimeout(force, CUT_OFF_GRACE_MS);
      };
      server.tryShutdown(() => {
        clearTimeout(grace);
        signal.removeEventListener('abort', cutOff);
        resolve();
      });
      if (signal.aborted) cutOff();
      else signal.addEventListener('abort', cutOff, { once: true });
    });
  }
}
