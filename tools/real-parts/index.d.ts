/** A real part the tests can use. */
export type ServiceName = 'rabbitmq' | 'postgres' | 'etcd' | 'kafka' | 'eureka' | 'prometheus' | 'redis' | 'jaeger';

/** The address tests use for `name`: its environment variable (AMQP_URL, DATABASE_URL, …), or the loopback default. */
export declare function serviceUrl(name: ServiceName): string;

/** The folder with the logs of a service tools/services started. */
export declare function serviceLogDir(name: ServiceName): string;

/** Where tests drop Prometheus scrape targets (file_sd JSON) and rule files before `POST /-/reload`. */
export declare function prometheusDirs(): { targets: string; rules: string };

/**
 * True when `name` answers a real protocol check. Under CI a part that does not answer throws
 * (naming `tools/services up <name>` and its logs); locally it warns and returns false, so the
 * caller can `describe.skipIf(!available)`.
 */
export declare function requireService(name: ServiceName, what: string): Promise<boolean>;

/** Runs the protocol check of `name` against `url`: resolves with what it found, rejects with why it is not that service. */
export declare function probeService(name: ServiceName, url: string): Promise<string>;

/** Deletes every queue and exchange on the test broker whose name starts with `namespace` (best effort). */
export declare function deleteAmqpNamespace(namespace: string, url?: string): Promise<void>;

/** A private single-node Kafka (KRaft) on free ports, for tests that stop, kill or restart the broker. */
export interface PrivateKafka {
  /** `127.0.0.1:<port>`. */
  readonly brokers: string;
  readonly port: number;
  /** Its data and logs. */
  readonly dir: string;
  readonly running: boolean;
  /** Starts it again (same ports and data) and waits until it answers. */
  start(): Promise<void>;
  /** A clean shutdown (SIGTERM). */
  stop(): Promise<void>;
  /** SIGKILL. */
  kill(): Promise<void>;
  /** stop(), then start(). */
  restart(): Promise<void>;
  /** Stops it and deletes its files. */
  close(): Promise<void>;
}

/** Starts a private Kafka node from the jars tools/services uses, and waits until it answers. */
export declare function startPrivateKafka(options?: {
  startTimeoutMs?: number;
  /** More `server.properties` lines, e.g. `{ 'group.consumer.session.timeout.ms': 6000 }`. */
  properties?: Record<string, string | number>;
}): Promise<PrivateKafka>;
export { loadUntilExit } from './load.js';
/** A free port below the ephemeral range, for a server started later (a port picked with 0 may be taken by an outgoing connection meanwhile). */
export function portForLater(host?: string): Promise<number>;
