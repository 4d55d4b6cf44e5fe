import type { ServiceInstance } from '@wharf/core';

/** One instance in Eureka's JSON (the fields Wharf writes and reads). */
export interface EurekaInstance {
  readonly instanceId: string;
  readonly app: string;
  readonly status?: string;
  readonly actionType?: string;
  readonly metadata?: Record<string, string>;
  readonly [key: string]: unknown;
}

// Eureka's own keys in the metadata map; the rest is the instance's metadata as given.
const ADDRESS = 'wharf.address';
const ID = 'wharf.id';
const SERVICE = 'wharf.service';
const VERSION = 'wharf.version';

/**
 * A Eureka instance id for a Wharf instance: only URL-safe characters, because Tomcat refuses an
 * encoded `/` in the heartbeat and cancel paths.
 */
export function eurekaIdOf(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The registration body for one instance (Eureka wants host, ip and port even for non-HTTP addresses). */
export function toEureka(instance: ServiceInstance, namespace: string, leaseSeconds: number): { instance: EurekaInstance } {
  const url = new URL(instance.address);
  const port = Number(url.port) || 80;
  const host = url.hostname || 'localhost';
  return {
    instance: {
      instanceId: eurekaIdOf(instance.id),
      app: appNameOf(namespace, instance.service),
      hostName: host,
      ipAddr: host,
      vipAddress: instance.service,
      status: 'UP',
      port: { $: port, '@enabled': 'true' },
      securePort: { $: 443, '@enabled': 'false' },
      dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
      leaseInfo: { renewalIntervalInSecs: Math.max(1, Math.floor(leaseSeconds / 3)), durationInSecs: leaseSeconds },
      metadata: {
        ...instance.metadata,
        [ADDRESS]: instance.address,
        [ID]: instance.id,
        [SERVICE]: instance.service,
        [VERSION]: instance.version,
      },
    },
  };
}

/** Eureka upper-cases application names; the namespace keeps two test runs apart. */
export function appNameOf(namespace: string, service: string): string {
  return `${namespace}--${service}`.toUpperCase();
}

/** The Wharf instance an UP Eureka instance stands for, or undefined for any other (not ours, not up). */
export function fromEureka(record: EurekaInstance): ServiceInstance | undefined {
  const meta = record.metadata ?? {};
  const { [ADDRESS]: address, [ID]: id, [SERVICE]: service, [VERSION]: version, ...rest } = meta;
  if (record.status !== 'UP' || !address || !id || !service || !version) return undefined;
  return { id, service, version, address, metadata: rest };
}

/** Eureka's JSON has a single object where a list has one element: always give a list. */
export function list<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value as T];
}

/** `GET /apps` and `/apps/delta`: every instance, and the registry's hash code. */
export function instancesOf(body: unknown): { instances: EurekaInstance[]; hashCode: string } {
  const apps = (body as { applications?: { application?: unknown; apps__hashcode?: string } })?.applications;
  const instances: EurekaInstance[] = [];
  for (const app of list(apps?.application as { instance?: EurekaInstance | EurekaInstance[] } | undefined)) {
    instances.push(...list(app.instance));
  }
  return { instances, hashCode: apps?.apps__hashcode ?? '' };
}

/** Eureka's hash code of a registry: `STATUS_count_` per status, statuses in order (e.g. `UP_3_`). */
export function hashCodeOf(instances: Iterable<EurekaInstance>): string {
  const counts = new Map<string, number>();
  for (const instance of instances) counts.set(instance.status ?? 'UNKNOWN', (counts.get(instance.status ?? 'UNKNOWN') ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((status) => `${status}_${counts.get(status)}_`)
    .join('');
}
