// Test helpers for the shared RabbitMQ at 127.0.0.1:5672: availability, unique namespaces,
// apps wired to the transport, and cleanup of what a test file declared.
import { randomBytes } from 'node:crypto';
import { type App, createApp, memoryRegistry, type ServiceInstance, type TransportObserver } from '@wharf/core';
import { deleteAmqpNamespace, requireService, serviceUrl } from '@wharf/real-parts';
import { type AmqpTransport, type AmqpTransportOptions, amqpTransport, type Log } from '@wharf/transport-amqp';

/** The shared broker the tests use: `AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672`. */
export const BROKER_URL = serviceUrl('rabbitmq');

/**
 * True when the broker answers. Under CI a missing broker fails the file loudly; locally the
 * tests skip with the command that starts one (`tools/services up rabbitmq`).
 */
export function brokerAvailable(): Promise<boolean> {
  return requireService('rabbitmq', 'the AMQP transport tests');
}

/** A namespace no other test file or run shares. */
export function uniqueNamespace(label: string): string {
  return `wharf-test.${label}.${randomBytes(4).toString('hex')}`;
}

/** A service name no other test shares (service names allow letters, digits and `_`). */
export function uniqueService(label: string): string {
  return `${label}_${randomBytes(3).toString('hex')}`;
}

const quiet = () => {};

/** Logs nothing unless LOG_LEVEL is set (the transport of an app without services logs to stderr otherwise). */
export const testLog: Log = process.env.LOG_LEVEL
  ? {
      debug: (o, m) => console.debug(o, m),
      info: (o, m) => console.info(o, m),
      warn: (o, m) => console.warn(o, m),
      error: (o, m) => console.error(o, m),
    }
  : { debug: quiet, info: quiet, warn: quiet, error: quiet };

/** Options that keep tests fast: short retry delays, quick reconnects. */
export const FAST: AmqpTransportOptions = {
  logger: testLog,
  retry: { maxAttempts: 3, initialDelayMs: 100, factor: 2, maxDelayMs: 1_000 },
  reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  connectTimeoutMs: 10_000,
};

/** Tracks apps started in a test file and stops them all. */
export class Apps {
  readonly #apps: App[] = [];
  readonly transports: AmqpTransport[] = [];

  /** Starts an app serving `services` over AMQP (the event bus too). */
  async start(options: {
    name: string;
    services?: readonly object[];
    namespace: string;
    url?: string;
    amqp?: AmqpTransportOptions;
    instances?: readonly ServiceInstance[];
    /** Drain time on stop; default 5 000 ms. */
    shutdownMs?: number;
    observers?: readonly TransportObserver[];
  }): Promise<App> {
    const transport = amqpTransport({ url: options.url ?? BROKER_URL, namespace: options.namespace, ...FAST, ...options.amqp });
    const app = createApp({
      name: options.name,
      services: options.services ?? [],
      transports: [transport],
      registry: memoryRegistry(options.instances ?? []),
      logger: { level: process.env.LOG_LEVEL ?? 'silent' },
      shutdown: { signals: false, timeoutMs: options.shutdownMs ?? 5_000 },
      observers: options.observers,
    });
    this.#apps.push(app);
    this.transports.push(transport);
    await app.start();
    return app;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#apps.splice(0).map((app) => app.stop()));
  }
}

/** Registry entries that point a client app at a server app's AMQP address. */
export function amqpInstances(server: App, service: string, version = '1.0.0'): ServiceInstance[] {
  return server.addresses
    .filter((address) => address.startsWith('amqp://'))
    .map((address) => ({ id: `${server.instanceId}:${service}:${address}`, service, version, address }));
}

/**
 * Deletes every queue and exchange whose name starts with `namespace` (listed with rabbitmqctl,
 * deleted over AMQP). Best effort: without rabbitmqctl rights it only warns.
 */
export const deleteNamespace: (namespace: string, url?: string) => Promise<void> = deleteAmqpNamespace;

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
