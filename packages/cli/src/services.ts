// `wharf services`: what the registry knows, one line per instance address, with readiness.
import * as grpc from '@grpc/grpc-js';
import type { ServiceInstance } from '@wharf/core';

/** One row of `wharf services`. */
export interface InstanceRow {
  readonly service: string;
  readonly version: string;
  readonly instance: string;
  readonly address: string;
  /** `ready`, `not ready (…)`, `unreachable (…)`, or `registered` where it cannot be asked. */
  readonly readiness: string;
}

/** Asks one address whether it is ready: GET /health/ready over HTTP, the health service over gRPC. */
export async function readinessOf(address: string, timeoutMs = 1_500): Promise<string> {
  if (address.startsWith('http:') || address.startsWith('https:')) {
    try {
      const res = await fetch(new URL('/health/ready', address), { signal: AbortSignal.timeout(timeoutMs) });
      return res.ok ? 'ready' : `not ready (${res.status})`;
    } catch (error) {
      return `unreachable (${(error as Error).message})`;
    }
  }
  if (address.startsWith('grpc:')) {
    const client = new grpc.Client(new URL(address).host, grpc.credentials.createInsecure());
    try {
      // grpc.health.v1.Health/Check with an empty request: field 1 of the answer is the status (1 = SERVING).
      const status = await new Promise<number>((resolve, reject) =>
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          () => Buffer.alloc(0),
          (bytes: Buffer) => (bytes.length >= 2 && bytes[0] === 0x08 ? (bytes[1] as number) : 0),
          {},
          new grpc.Metadata(),
          { deadline: Date.now() + timeoutMs },
          (error, value) => (error ? reject(error) : resolve(value ?? 0)),
        ),
      );
      return status === 1 ? 'ready' : `not ready (health status ${status})`;
    } catch (error) {
      return `unreachable (${(error as grpc.ServiceError).details ?? (error as Error).message})`;
    } finally {
      client.close();
    }
  }
  return 'registered'; // advertised only while ready; AMQP has no health endpoint to ask
}

/** Rows for every instance (in-process `memory://` addresses left out: no other process can reach them). */
export async function instanceRows(instances: readonly ServiceInstance[], probe = true): Promise<InstanceRow[]> {
  const usable = instances.filter((i) => !i.address.startsWith('memory:'));
  const rows = await Promise.all(
    usable.map(async (i) => ({
      service: i.service,
      version: i.version,
      instance: i.metadata?.instance ?? i.id,
      address: i.address,
      readiness: probe ? await readinessOf(i.address) : 'registered',
    })),
  );
  return rows.sort((a, b) => `${a.service} ${a.instance} ${a.address}`.localeCompare(`${b.service} ${b.instance} ${b.address}`));
}

/** A plain table: columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
