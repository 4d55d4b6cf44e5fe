// gRPC server reflection (@grpc/reflection): lists and describes the generated services, the
// bound .proto services and the health service, so grpcurl and Postman work without .proto files.
import { basename, isAbsolute, relative, sep } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { service as healthService } from 'grpc-health-check';
import { fileDescriptors } from '../schema/descriptors.js';
import type { CompiledService } from '../schema/generate.js';
import type { LoadedProto } from '../schema/proto-binding.js';

/** The path a file was loaded as, relative to the include dir it was found in (as imports name it). */
function relativeTo(includeDirs: readonly string[]): (filename: string) => string {
  return (filename) => {
    if (!isAbsolute(filename)) return filename;
    for (const dir of includeDirs) {
      const rel = relative(dir, filename);
      if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
    }
    return basename(filename);
  };
}

/** Adds the reflection service (v1 and v1alpha) describing everything the server serves. */
export function addReflection(
  server: Server,
  generated: readonly CompiledService[],
  bound: readonly LoadedProto[],
  withHealth: boolean,
): void {
  // The reflection service reads only `fileDescriptorProtos` from the definition's values.
  const definition: Record<string, unknown> = {};
  generated.forEach((compiled, i) => {
    definition[`wharf.generated.${i}`] = { fileDescriptorProtos: fileDescriptors(compiled.root, (name) => name) };
  });
  bound.forEach((proto, i) => {
    definition[`wharf.bound.${i}`] = { fileDescriptorProtos: fileDescriptors(proto.root, relativeTo(proto.includeDirs)) };
  });
  if (withHealth) {
    const check = (healthService as unknown as { Check: { requestType: unknown } }).Check;
    definition['grpc.health.v1.HealthCheckRequest'] = check.requestType;
  }
  new ReflectionService(definition as PackageDefinition).addToServer(server);
}
