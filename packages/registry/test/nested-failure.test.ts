// "Never reached a handler" is a claim about one hop. A handler that ran (and did its side effect)
// then failed on its own dependency rethrows that dependency's error — a refused connection, no
// instance, an open breaker — and its caller must not take it as its own call never having been
// handled: a write that is not idempotent would run again on another instance.
import { type App, createApp, defineContract, implement, type ServiceInstance } from '@wharf/core';
import { createRegistry, resilientClient, staticBackend } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

const payments = defineContract({
  name: 'payments',
  version: '1.0.0',
  methods: { charge: { input: z.object({}), output: z.object({ ok: z.boolean() }) } },
});

const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: { place: { input: z.object({}), output: z.object({ ok: z.boolean() }) } }, // not idempotent
});

const quiet = { logger: { level: 'silent' as const }, requestLog: false as const, shutdown: { signals: false as const } };
const apps: App[] = [];

async function started(app: App): Promise<App> {
  apps.push(app);
  await app.start();
  return app;
}

const httpOf = (app: App) => app.addresses.find((a) => a.startsWith('http://')) as string;

/** Two orders instances whose `place` records the order, then charges through `paymentsAt` (the payments instances they see). */
async function ordersInstances(paymentsAt: ServiceInstance[], breaker: boolean) {
  const placed = { count: 0 };
  const addresses: string[] = [];
  for (const name of ['orders-a', 'orders-b']) {
    const stack = resilientClient({
      registry: createRegistry(staticBackend({ instances: paymentsAt })),
      retry: false,
      breaker: breaker ? { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 } : false,
    });
    const app = await started(
      createApp({
        name,
        services: [
          implement(orders, {
            async place(_input, ctx) {
              placed.count++; // the side effect: the order is written
              await ctx.client(payments).charge({});
              return { ok: true };
            },
          }),
        ],
        transports: [httpTransport({ port: 0, host: '127.0.0.1' })],
        ...stack,
        ...quiet,
      }),
    );
    addresses.push(httpOf(app));
  }
  return { placed, addresses };
}

async function caller(addresses: string[]) {
  const instances = addresses.map((address, i) => ({ id: `orders-${i}`, service: 'orders', version: '1.0.0', address }));
  const stack = resilientClient({
    registry: createRegistry(staticBackend({ instances })),
    breaker: false,
    retry: { maxAttempts: 3, baseMs: 0, budget: { ratio: 1, minPerWindow: 10 } },
  });
  const app = await started(createApp({ name: 'web', transports: [httpTransport()], ...stack, ...quiet }));
  return app.client(orders);
}

afterEach(async () => {
  for (const app of apps.splice(0).reverse()) await app.stop();
});

describe('retries after a failure inside the handler', () => {
  it('a write whose handler hit a refused connection to its own dependency is not run again', async () => {
    // A payments instance that is gone: its port refuses connections.
    const gone = await started(
      createApp({
        name: 'payments',
        services: [implement(payments, { charge: () => ({ ok: true }) })],
        transports: [httpTransport({ port: 0, host: '127.0.0.1' })],
        ...quiet,
      }),
    );
    const address = httpOf(gone);
    // The orders instances listen before it stops, so neither can be given its freed port (a CI
    // run once had orders answer the "payments" call itself: UNIMPLEMENTED).
    const { placed, addresses } = await ordersInstances(
      [{ id: 'payments-0', service: 'payments', version: '1.0.0', address }],
      false,
    );
    await gone.stop();
    const error = await (await caller(addresses)).place({}).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('UNAVAILABLE');
    expect(placed.count).toBe(1);
  });

  it('a write whose handler found no instance of its dependency is not run again', async () => {
    const { placed, addresses } = await ordersInstances([], false);
    const error = await (await caller(addresses)).place({}).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('UNAVAILABLE');
    expect(placed.count).toBe(1);
  });

  it('a write whose handler hit its own open breaker (handlerRan: false) is not run again', async () => {
    const { placed, addresses } = await ordersInstances(
      [{ id: 'payments-0', service: 'payments', version: '1.0.0', address: 'http://127.0.0.1:9' }],
      true,
    );
    const client = await caller(addresses);
    // Open both orders instances' breakers to payments (a refused connection each), directly.
    for (const address of addresses) await client.place({}, { address }).catch(() => {});
    placed.count = 0;
    const error = await client.place({}).catch((e: unknown) => e);
    expect((error as { details?: { breaker?: string } }).details?.breaker).toMatch(/^payments\.charge @ /);
    expect(placed.count).toBe(1);
  });
});
