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
export { loadUntilExit } from './load.js';
