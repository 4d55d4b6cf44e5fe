// Bring your own .proto: loads a hand-written service and derives the wire side of the Wharf
// methods bound to it.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DeclarationError } from '@wharf/core';
import type { RpcRef } from '@wharf/core/transport';
import protobuf from 'protobufjs';
import type { MessageCodec } from './codec/message-codec.js';
import { type MethodWire, wireCodec } from './method-wire.js';
import { rpcName } from './naming.js';
import { reflectMessage } from './reflected-codecs.js';
import type { ProtoBinding } from './rpc-options.js';

/** A loaded binding: the Root, the service, and the files (for reflection). */
export interface LoadedProto {
  readonly binding: ProtoBinding;
  readonly root: protobuf.Root;
  readonly service: protobuf.Service;
  readonly files: readonly string[];
  readonly includeDirs: readonly string[];
}

const loaded = new WeakMap<ProtoBinding, LoadedProto>();

/**
 * Loads .proto files as protoc would with `-I` for each include dir (then relative to the
 * importing file), field names as written; throws what protobufjs says when one cannot be parsed.
 */
export function loadRoot(files: readonly string[], includeDirs: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return origin === '' ? resolve(target) : join(dirname(origin), target);
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

/** Every service declared in a loaded root. */
export function servicesIn(root: protobuf.NamespaceBase): protobuf.Service[] {
  const services: protobuf.Service[] = [];
  for (const nested of root.nestedArray) {
    if (nested instanceof protobuf.Service) services.push(nested);
    else if (nested instanceof protobuf.Namespace) services.push(...servicesIn(nested));
  }
  return services;
}

/** Loads (once per binding object) the .proto files of a binding; throws DeclarationError saying what is wrong. */
export function loadProto(binding: ProtoBinding, where: string): LoadedProto {
  const hit = loaded.get(binding);
  if (hit !== undefined) return hit;
  const includeDirs = (binding.includeDirs ?? []).map((dir) => resolve(dir));
  const files = typeof binding.files === 'string' ? [binding.files] : binding.files;
  let root: protobuf.Root;
  try {
    root = loadRoot(files, includeDirs);
  } catch (error) {
    throw new DeclarationError([
      `${where}: cannot load ${files.join(', ')} (include dirs: ${includeDirs.join(', ') || 'none'}): ${(error as Error).message}`,
    ]);
  }
  // protobufjs also finds a bare `Chat` deep in the tree; the binding names the service exactly.
  const found = root.lookup(binding.service);
  if (!(found instanceof protobuf.Service) || found.fullName !== `.${binding.service}`) {
    const services = servicesIn(root).map((s) => s.fullName.slice(1));
    throw new DeclarationError([
      `${where}: ${files.join(', ')} has no service "${binding.service}"; services found: ${services.join(', ') || 'none'} (use the fully-qualified name)`,
    ]);
  }
  const result = { binding, root, service: found, files, includeDirs };
  loaded.set(binding, result);
  return result;
}

/** The wire of each method bound to `proto`; throws DeclarationError for methods it lacks or streams differently. */
export function bindMethods(proto: LoadedProto, refs: readonly RpcRef[], where: string): MethodWire[] {
  const problems: string[] = [];
  const wires: MethodWire[] = [];
  // Shared by every method: messages recur across methods, and a recursive one refers to itself.
  const cache = new Map<protobuf.Type, MessageCodec>();
  const codecOf = (type: protobuf.Type) => wireCodec(type, reflectMessage(type, cache));
  const service = proto.service;
  const fqn = service.fullName.slice(1);
  for (const ref of refs) {
    const name = ref.grpc?.rpc ?? ref.name;
    const method = service.methods[name] ?? service.methods[rpcName(name)];
    if (method === undefined) {
      problems.push(
        `${where} ${ref.fullName}: ${fqn} has no rpc "${name}"; its rpcs are ${Object.keys(service.methods).join(', ')}`,
      );
      continue;
    }
    const clientStreams = ref.stream === 'client' || ref.stream === 'bidi';
    const serverStreams = ref.stream === 'server' || ref.stream === 'bidi';
    if (Boolean(method.requestStream) !== clientStreams || Boolean(method.responseStream) !== serverStreams) {
      const kind = method.requestStream
        ? method.responseStream
          ? 'bidi'
          : 'client'
        : method.responseStream
          ? 'server'
          : 'unary';
      problems.push(
        `${where} ${ref.fullName}: rpc ${fqn}.${method.name} is ${kind}, but the method declares stream '${ref.stream}'; declare stream: '${kind}'`,
      );
      continue;
    }
    method.resolve();
    wires.push({
      ref,
      path: `/${fqn}/${method.name}`,
      request: codecOf(method.resolvedRequestType as protobuf.Type),
      response: codecOf(method.resolvedResponseType as protobuf.Type),
    });
  }
  if (problems.length > 0) throw new DeclarationError(problems);
  return wires;
}
