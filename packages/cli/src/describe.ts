// `wharf describe SERVICE`: its methods with their input and output schemas, from what a running
// instance publishes: the OpenAPI document over HTTP, or reflection over gRPC.
import type { ServiceInstance } from '@wharf/core';
import { UsageError } from './args.js';
import { grpcClient, listGrpcServices, rootFor } from './grpc-reflection.js';

/** What `describe` prints: one entry per method. */
export interface MethodDescription {
  readonly name: string;
  readonly stream: string;
  readonly route?: string;
  readonly input: unknown;
  readonly output: unknown;
}

interface OpenApiOperation {
  'x-wharf-rpc'?: string;
  'x-wharf-stream'?: string;
  description?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  parameters?: { name: string; in: string; schema?: unknown }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

async function fromOpenApi(address: string, service: string): Promise<MethodDescription[]> {
  const res = await fetch(new URL('/openapi.json', address), { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`${address}/openapi.json answered ${res.status}`);
  const doc = (await res.json()) as { paths?: Record<string, Record<string, OpenApiOperation>> };
  const methods: MethodDescription[] = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [verb, op] of Object.entries(operations)) {
      const rpc = op['x-wharf-rpc'];
      if (rpc === undefined || !rpc.startsWith(`${service}.`)) continue;
      const body = op.requestBody?.content?.['application/json']?.schema;
      const params = (op.parameters ?? []).map((p) => `${p.name} (${p.in})`);
      const ok = Object.entries(op.responses ?? {}).find(([status]) => status.startsWith('2'))?.[1];
      const output = ok?.content?.['application/json']?.schema ?? ok?.content?.['application/x-ndjson']?.schema;
      methods.push({
        name: rpc.slice(service.length + 1),
        stream: op['x-wharf-stream'] ?? 'unary',
        route: `${verb.toUpperCase()} ${path}`,
        input: params.length > 0 ? { parameters: params, body } : body,
        output,
      });
    }
  }
  return methods;
}

async function fromReflection(address: string, service: string): Promise<MethodDescription[]> {
  const client = grpcClient(address);
  const deadline = Date.now() + 3_000;
  try {
    const name = (await listGrpcServices(client, deadline)).find((s) => s.startsWith(`${service}.`));
    if (name === undefined) throw new Error(`${address} does not serve ${service}`);
    const root = await rootFor(client, name, deadline);
    const methods = root.lookupService(name).methodsArray;
    return methods.map((m) => ({
      name: m.name.charAt(0).toLowerCase() + m.name.slice(1),
      stream: m.requestStream ? (m.responseStream ? 'bidi' : 'client') : m.responseStream ? 'server' : 'unary',
      route: `${name}/${m.name}`,
      input: m.resolvedRequestType?.toJSON(),
      output: m.resolvedResponseType?.toJSON(),
    }));
  } finally {
    client.close();
  }
}

/** Describes a service from the first of its instances that publishes a description. */
export async function describeService(
  service: string,
  instances: readonly ServiceInstance[],
): Promise<{ version: string; address: string; methods: MethodDescription[] }> {
  const candidates = [
    ...instances.filter((i) => i.address.startsWith('http')),
    ...instances.filter((i) => i.address.startsWith('grpc:')),
  ];
  if (candidates.length === 0) {
    throw new UsageError(
      instances.length === 0
        ? `The registry knows no instance of ${service}; see wharf services`
        : `No instance of ${service} serves HTTP or gRPC, where its schemas are published`,
    );
  }
  const problems: string[] = [];
  for (const instance of candidates) {
    try {
      const methods = instance.address.startsWith('grpc:')
        ? await fromReflection(instance.address, service)
        : await fromOpenApi(instance.address, service);
      return { version: instance.version, address: instance.address, methods };
    } catch (error) {
      problems.push(`${instance.address}: ${(error as Error).message}`);
    }
  }
  throw new Error(`Could not describe ${service}:\n  ${problems.join('\n  ')}`);
}
