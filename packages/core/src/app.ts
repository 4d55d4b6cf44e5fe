import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Advertiser } from './advertiser.js';
import { appOptionsWithEnv } from './app-env.js';
import type { App, AppOptions } from './app-types.js';
import { roundRobin } from './balancer.js';
import type { CallInput, CallOptions, CallResult, Client, EmitOptions } from './caller.js';
import { checkServices } from './checks.js';
import { bindClient } from './context.js';
import type { MethodsOf } from './contract.js';
import { throwIfProblems } from './declaration-error.js';
import { Dispatcher, LOCAL, type LocalHost } from './dispatcher.js';
import type { Endpoint, EventEndpoint, EventRef, RpcRef, ServiceDefinition } from './endpoint.js';
import { endpointsProblems } from './endpoints-check.js';
import { WharfError } from './errors.js';
import { createLogger } from './logger.js';
import { MemoryNetwork, memoryTransport } from './memory-transport.js';
import { combineObservers } from './observer.js';
import { Outbound, SEND } from './outbound.js';
import { chain } from './pipeline.js';
import { clientPipeline, serverPipeline } from './pipelines.js';
import { Readiness } from './readiness.js';
import { memoryRegistry, type Registry, type ServiceInstance } from './registry.js';
import { toServiceDefinition } from './service.js';
import { handleShutdownSignals } from './shutdown-signals.js';
import type { AppHealth, AppState, InboundRequest, Transport, TransportHost } from './transport.js';

/** Creates an app. Declarations are checked here: a bad one throws DeclarationError at once. */
export function createApp(options: AppOptions = {}): App {
  return new WharfApp(options);
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_SHUTDOWN_MS = 10_000;

class WharfApp implements App {
  readonly name: string;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly services: readonly ServiceDefinition[];
  #state: AppState = 'created';
  #addresses: string[] = [];
  readonly #options: AppOptions;
  readonly #transports: readonly Transport[];
  readonly #memory: Transport;
  readonly #bus: Transport | undefined;
  readonly #registry: Registry;
  readonly #ownsRegistry: boolean;
  readonly #dispatcher: Dispatcher;
  readonly #outbound: Outbound;
  readonly #readiness: Readiness;
  readonly #clients = new WeakMap<MethodsOf, unknown>();
  readonly #advertiser: Advertiser;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #removeSignals: (() => void) | undefined;

  constructor(fromCode: AppOptions) {
    const [options, logDefaults] = appOptionsWithEnv(fromCode);
    this.#options = options;
    this.name = options.name ?? 'wharf';
    this.instanceId = `${this.name}-${randomBytes(4).toString('hex')}`;
    const logger = options.logger;
    this.logger = createLogger(
      this.name,
      typeof logger === 'function' ? logger({ name: this.name, instanceId: this.instanceId }) : logger,
      logDefaults,
    );
    this.#readiness = new Readiness(this.logger);
    this.services = (options.services ?? []).map(toServiceDefinition);
    checkServices(this.services);

    const given = options.transports ?? [];
    const names = new Set<string>();
    for (const transport of given) {
      if (names.has(transport.name))
        throw new Error(`Two transports are named "${transport.name}"; each name must be unique in an app`);
      names.add(transport.name);
    }
    this.#memory = given.find((t) => t.name === 'memory') ?? memoryTransport({ network: new MemoryNetwork() });
    this.#transports = names.has('memory') ? given : [...given, this.#memory];
    this.#bus = this.#transports.find((t) => t.publish !== undefined);
    const observer = combineObservers(options.observers ?? []);
    for (const transport of this.#transports) {
      transport.attach?.({
        appName: this.name,
        instanceId: this.instanceId,
        logger: this.logger.child({ transport: transport.name }),
        observer,
      });
    }
    this.#registry = options.registry ?? memoryRegistry();
    this.#ownsRegistry = options.registry === undefined;
    this.#advertiser = new Advertiser(this.#registry, this.logger, () => this.#instances());

    const client = chain(
      clientPipeline(this.#options, {
        registry: this.#registry,
        balancer: this.#options.balancer ?? roundRobin(),
        transports: this.#transports.filter((t) => t.call !== undefined),
        bus: this.#bus,
      }),
      SEND,
    );
    const timeout = options.defaultTimeoutMs === undefined ? DEFAULT_TIMEOUT_MS : (options.defaultTimeoutMs ?? undefined);
    this.#outbound = new Outbound({ logger: this.logger, pipeline: client, appName: this.name, defaultTimeoutMs: timeout });
    const server = serverPipeline(this.#options);
    const endpoints = this.services.flatMap((s) => [...s.rpcs, ...s.events]);
    throwIfProblems(endpointsProblems(server, endpoints));
    this.#dispatcher = new Dispatcher(this.#outbound, this.services, server);
  }

  /** One registry entry per service and address, each with the app's metadata. */
  #instances(): ServiceInstance[] {
    const metadata = { ...this.#options.metadata, app: this.name, instance: this.instanceId };
    return this.services.flatMap((service) =>
      this.#addresses.map((address) => ({
        id: `${this.instanceId}:${service.name}@${service.major}:${address}`,
        service: service.name,
        version: service.version,
        address,
        metadata,
      })),
    );
  }

  health(): AppHealth {
    return {
      ready: this.isReady(),
      state: this.#state,
      holds: Object.fromEntries(this.#readiness.holds),
      ...(this.#registry.status === undefined ? {} : { registry: this.#registry.status() }),
    };
  }

  get state(): AppState {
    return this.#state;
  }

  get addresses(): readonly string[] {
    return this.#addresses;
  }

  isReady(): boolean {
    return this.#readiness.ready;
  }

  onReadinessChange(listener: (ready: boolean) => void): () => void {
    return this.#readiness.onChange(listener);
  }

  #setState(state: AppState): void {
    this.#state = state;
    this.#readiness.setRunning(state === 'ready');
  }

  #host(transport: Transport): TransportHost {
    const app = this;
    const subscriptions: EventEndpoint[] = transport === this.#bus ? this.services.flatMap((s) => s.events) : [];
    const host: LocalHost = {
      // Only the in-memory transport runs calls of this process straight into the dispatcher.
      [LOCAL]: transport === this.#memory ? this.#dispatcher : undefined,
      services: this.services,
      rpcs: this.services.flatMap((s) => s.rpcs),
      subscriptions,
      dispatch: this.#dispatcher.dispatch,
      get state() {
        return app.#state;
      },
      isReady: () => this.isReady(),
      onReadinessChange: (listener) => this.onReadinessChange(listener),
      setReady: (ready, reason) => this.#readiness.set(transport.name, ready, reason),
      idle: (signal) => this.#idle(signal),
      health: () => this.health(),
    };
    return host;
  }

  start(): Promise<void> {
    if (this.#state !== 'created')
      return this.#starting ?? Promise.reject(new Error(`Cannot start an app that is ${this.#state}`));
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#setState('starting');
    const listening: Transport[] = [];
    try {
      if (this.services.length > 0) {
        for (const transport of this.#transports) {
          if (transport.listen === undefined) continue;
          listening.push(transport);
          this.#addresses.push(...((await transport.listen(this.#host(transport))) ?? []));
        }
      }
    } catch (error) {
      this.logger.error({ err: error }, 'Start failed; closing what was opened');
      await this.#closeTransports(AbortSignal.abort());
      this.#setState('stopped');
      throw error;
    }
    const signals = this.#options.shutdown?.signals;
    if (signals !== false) {
      const stopping = () => this.#stopping !== undefined;
      const stoppable = {
        logger: this.logger,
        stop: () => this.stop(),
        get stopping() {
          return stopping();
        },
      };
      this.#removeSignals = handleShutdownSignals(
        stoppable,
        signals ?? ['SIGTERM', 'SIGINT'],
        this.#options.shutdown?.exit !== false,
      );
    }
    this.#setState('ready');
    // Advertised only while ready: a transport holding readiness back (a broker not reached yet)
    // keeps the instance out of the registry until it lets go.
    if (this.services.length > 0) {
      this.onReadinessChange((ready) => void this.#advertiser.set(ready && this.#state === 'ready'));
      await this.#advertiser.set(this.isReady());
    }
    this.logger.info(
      { addresses: this.#addresses, services: this.services.map((s) => `${s.name}@${s.version}`) },
      `${this.name} is ready`,
    );
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#starting !== undefined) await this.#starting.catch(() => {});
    if (this.#state === 'stopped') return;
    this.#setState('draining');
    const shutdown = this.#options.shutdown ?? {};
    // Deregister first, so callers stop choosing this instance before its listeners close.
    await this.#advertiser.set(false);
    if (shutdown.drainDelayMs) await new Promise((r) => setTimeout(r, shutdown.drainDelayMs));

    const drain = AbortSignal.timeout(shutdown.timeoutMs ?? DEFAULT_SHUTDOWN_MS);
    // When the drain time is over, what still runs is cancelled with UNAVAILABLE (retry elsewhere)
    // before the transports, listening to the same signal, tear their connections down.
    const cutOff = () => {
      if (this.#dispatcher.inFlight > 0) {
        this.logger.warn({ inFlight: this.#dispatcher.inFlight }, 'Drain time is over; cancelling requests still in flight');
      }
      this.#dispatcher.close(new WharfError('UNAVAILABLE', 'The server is shutting down; retry on another instance'));
    };
    drain.addEventListener('abort', cutOff, { once: true });
    await this.#closeTransports(drain);
    drain.removeEventListener('abort', cutOff);
    this.#dispatcher.close(new WharfError('UNAVAILABLE', 'The server has stopped; retry on another instance'));
    if (this.#ownsRegistry) await this.#registry.close?.();
    this.#removeSignals?.();
    this.#removeSignals = undefined;
    this.#setState('stopped');
    this.logger.info(`${this.name} stopped`);
  }

  /**
   * Closes every transport; the in-memory one last, once in-flight work is done, so calls that
   * in-flight handlers make to local services still work while the others drain.
   */
  async #closeTransports(drain: AbortSignal): Promise<void> {
    const close = (t: Transport) =>
      t
        .close?.(drain)
        .catch((error: unknown) => this.logger.error({ err: error, transport: t.name }, 'A transport failed to close'));
    await Promise.all(this.#transports.filter((t) => t !== this.#memory).map(close));
    await this.#idle(drain);
    await close(this.#memory);
  }

  #idle(signal?: AbortSignal): Promise<void> {
    return this.#dispatcher.idle(signal);
  }

  readonly dispatch = (endpoint: Endpoint, payload: unknown, request: InboundRequest): Promise<unknown> =>
    this.#dispatcher.dispatch(endpoint, payload, request);

  call<R extends RpcRef>(ref: R, input: CallInput<R>, options?: CallOptions): CallResult<R> {
    return this.#outbound.call(ref, input, options, undefined) as CallResult<R>;
  }

  client<C extends MethodsOf>(contract: C): Client<C> {
    let client = this.#clients.get(contract);
    if (client === undefined) {
      client = bindClient(contract, this.#outbound, undefined);
      this.#clients.set(contract, client);
    }
    return client as Client<C>;
  }

  emit(event: EventRef | string, payload: unknown, options?: EmitOptions): Promise<void> {
    return this.#outbound.emit(event, payload, options, undefined);
  }
}
