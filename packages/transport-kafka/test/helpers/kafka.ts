// Test helpers for the shared Kafka at 127.0.0.1:9092: availability, unique namespaces, apps wired
// to the transport, cleanup of a namespace's topics and groups, and a crash guard.
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { type App, createApp, memoryRegistry } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { type Deduplicator, type KafkaTransport, type KafkaTransportOptions, kafkaTransport } from '@wharf/transport-kafka';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/** The shared cluster: `KAFKA_BROKERS`, default `127.0.0.1:9092`. */
export const BROKERS = serviceUrl('kafka');

/** True when Kafka answers; under CI a missing broker fails the file, locally the tests skip. */
export function kafkaAvailable(): Promise<boolean> {
  return requireService('kafka', 'the Kafka transport tests');
}

/** A namespace no other test file or run shares. */
export function uniqueNamespace(label: string): string {
  return `wharf-test.${label}-${randomBytes(4).toString('hex')}`;
}

/** Options that keep tests fast: short retry delays, few partitions. */
export const FAST: KafkaTransportOptions = {
  partitions: 3,
  retry: { maxAttempts: 3, initialDelayMs: 200, factor: 2, maxDelayMs: 1_000 },
  topicRefreshMs: 1_000,
};

/** Tracks apps started in a test file and stops them all. */
export class Apps {
  readonly #apps: App[] = [];
  readonly transports: KafkaTransport[] = [];

  /** Starts an app whose event bus is Kafka. */
  async start(options: {
    name: string;
    services?: readonly object[];
    namespace: string;
    brokers?: string;
    kafka?: KafkaTransportOptions;
    shutdownMs?: number;
  }): Promise<App> {
    const transport = kafkaTransport({
      brokers: options.brokers ?? BROKERS,
      namespace: options.namespace,
      ...FAST,
      ...options.kafka,
    });
    const app = createApp({
      name: options.name,
      services: options.services ?? [],
      transports: [transport],
      registry: memoryRegistry(),
      logger: { level: process.env.LOG_LEVEL ?? 'silent' },
      shutdown: { signals: false, timeoutMs: options.shutdownMs ?? 10_000 },
    });
    this.#apps.push(app);
    this.transports.push(transport);
    await app.start();
    return app;
  }

  async stop(app: App): Promise<void> {
    const at = this.#apps.indexOf(app);
    if (at >= 0) this.#apps.splice(at, 1);
    await app.stop();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#apps.splice(0).map((app) => app.stop()));
  }
}

/** Deletes every topic and consumer group whose name starts with `namespace`. */
export async function deleteNamespace(namespace: string, brokers = BROKERS): Promise<void> {
  const admin = new Admin({ clientId: 'wharf-test-cleanup', bootstrapBrokers: brokers.split(',') });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
    const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(namespace));
    if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => {});
  } catch (error) {
    console.warn(`Cannot clean up ${namespace}: ${(error as Error).message}`);
  } finally {
    await admin.close().catch(() => {});
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A deduplicator shared by several apps, as a database table would be. */
export function sharedDedupe(): Deduplicator & { readonly keys: Set<string> } {
  const keys = new Set<string>();
  return { keys, seen: (key) => keys.has(key), remember: (key) => void keys.add(key) };
}

/** Fails the test during which an unhandled rejection or uncaught exception happened. */
export function installCrashGuard(): void {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  beforeAll(() => {
    process.on('unhandledRejection', onError);
    process.on('uncaughtException', onError);
  });
  afterEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors.splice(0), 'unhandled rejections or uncaught exceptions').toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
  });
}
