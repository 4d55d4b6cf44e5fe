// The cost of the full client pipeline (registry cache lookup + routing + power-of-two-choices +
// in-flight tracking + breaker + retry) against the pipeline without them (resolve over a seeded
// in-memory registry, round robin), over one transport, in a closed loop.
import {
  type App,
  type ClientCall,
  type ClientMiddleware,
  compose,
  createApp,
  implement,
  memoryRegistry,
  type RpcRef,
  type Transport,
} from '@wharf/core';
import { createRegistry, resilientClient, staticBackend } from '@wharf/registry';
import { bench, handlers } from './contract.js';

/** One measured window: calls per second and client CPU per call. */
export interface Sample {
  readonly rps: number;
  readonly cpuMicrosPerCall: number;
  readonly calls: number;
  readonly ms: number;
}

/** Windows of one variant taken in turns, as one: their calls over their summed time and CPU. */
export function combined(samples: readonly Sample[]): Sample {
  const calls = samples.reduce((n, s) => n + s.calls, 0);
  const ms = samples.reduce((n, s) => n + s.ms, 0);
  const cpu = samples.reduce((n, s) => n + (s.calls === 0 ? 0 : s.cpuMicrosPerCall * s.calls), 0);
  return { rps: (calls / ms) * 1000, cpuMicrosPerCall: cpu / calls, calls, ms };
}

export type Variant = 'plain' | 'full';

/** A client app of `variant` calling `address` through `transport`. */
export async function clientApp(variant: Variant, transport: Transport, address: string): Promise<App> {
  const instance = { id: 'bench-1', service: 'bench', version: '1.0.0', address };
  const common = {
    name: `client-${variant}`,
    transports: [transport],
    logger: { level: 'silent' as const },
    shutdown: { signals: false as const },
  };
  const app =
    variant === 'plain'
      ? createApp({ ...common, registry: memoryRegistry([instance]) })
      : createApp({ ...common, ...resilientClient({ registry: createRegistry(staticBackend({ instances: [instance] })) }) });
  await app.start();
  return app;
}

/**
 * A client of `variant` over a transport named `http` that answers at once: the network path
 * through the whole stack (registry cache, routing, P2C, tracking, breaker, retry) with no I/O,
 * so the difference between the variants is the stack's own CPU, free of the network's noise.
 */
export function instantApp(variant: Variant): Promise<App> {
  const instant: Transport = { name: 'http', call: (call) => Promise.resolve(handlers.hello(call.input as { name: string })) };
  return clientApp(variant, instant, 'http://127.0.0.1:1');
}

/** Server and client in one process, over the in-memory transport (the breaker steps aside there). */
export async function inProcessApp(variant: Variant): Promise<App> {
  const common = {
    name: `in-process-${variant}`,
    services: [implement(bench, handlers)],
    logger: { level: 'silent' as const },
    requestLog: false as const,
    shutdown: { signals: false as const },
  };
  const app =
    variant === 'plain'
      ? createApp(common)
      : (() => {
          const registry = createRegistry(staticBackend());
          return createApp({ ...common, ...resilientClient({ registry }) });
        })();
  await app.start();
  return app;
}

/** Calls from `concurrency` workers for `ms`; returns throughput and this process's CPU per call. */
export async function closedLoop(app: App, concurrency: number, ms: number): Promise<Sample> {
  const hello = app.client(bench).hello;
  let calls = 0;
  const until = performance.now() + ms;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await hello({ name: 'Ada' });
        calls++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { rps: (calls / elapsed) * 1000, cpuMicrosPerCall: (used.user + used.system) / calls, calls, ms: elapsed };
}

/** ns per call that one middleware adds over an instantly resolving terminal (no transport, no I/O). */
export async function middlewareCost(middleware: ClientMiddleware, calls = 200_000): Promise<number> {
  const ref = bench.methods.hello as unknown as RpcRef;
  const call = (): ClientCall =>
    ({
      side: 'client',
      kind: 'rpc',
      ref,
      service: ref.service,
      method: ref.name,
      address: 'http://127.0.0.1:1',
      transport: 'http',
      locals: {},
      metadata: {},
    }) as unknown as ClientCall;
  const terminal = () => Promise.resolve(1);
  const time = async (run: (c: ClientCall) => Promise<unknown>) => {
    for (let i = 0; i < 20_000; i++) await run(call());
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await run(call());
    return Number(process.hrtime.bigint() - started) / calls;
  };
  const bare = await time(compose([], terminal));
  const wrapped = await time(compose([middleware], terminal));
  return wrapped - bare;
}
