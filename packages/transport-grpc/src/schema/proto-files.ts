// The .proto files of services and contracts, as `wharf-proto` writes them and tests compile them.
import type { Contract } from '@wharf/core';
import type { RpcRef, ServiceDefinition } from '@wharf/core/transport';
import { compileService, modelService, type ProtoFile, type ServiceSource } from './generate.js';
import { renderFile } from './proto-model.js';

/** A service or a contract, as `protoFiles` takes them. */
export type ProtoSource = ServiceDefinition | Contract;

function isDefinition(source: ProtoSource): source is ServiceDefinition {
  return Array.isArray((source as ServiceDefinition).rpcs);
}

/** The RPC list of a service or contract. */
function sourceOf(source: ProtoSource): ServiceSource {
  const rpcs: readonly RpcRef[] = isDefinition(source) ? source.rpcs : Object.values(source.methods as Record<string, RpcRef>);
  return { name: source.name, major: source.major, description: source.description, rpcs };
}

/**
 * The .proto files generated from services or contracts, one per service and major version (RPCs
 * bound to a hand-written .proto are left out). Throws DeclarationError naming every schema that
 * cannot map to proto3.
 */
export function protoFiles(sources: readonly ProtoSource[]): ProtoFile[] {
  const files = new Map<string, ProtoFile>();
  for (const source of sources) {
    const service = sourceOf(source);
    const { model } = modelService(service);
    if (model.service.methods.length === 0 || files.has(model.path)) continue;
    files.set(model.path, {
      path: model.path,
      package: model.package,
      service: `${model.package}.${model.service.name}`,
      content: renderFile(model),
    });
  }
  return [...files.values()];
}

/** Compiles one service the way the transport does (for tests and tools): its file, Root and method codecs. */
export function compileProto(source: ProtoSource) {
  return compileService(sourceOf(source));
}
