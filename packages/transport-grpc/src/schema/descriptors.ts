// FileDescriptorProtos for reflection, one per .proto file with its real name and imports.
// protobufjs's own Root#toDescriptor groups by package and names files after it
// (`acme_chat_v1.proto`) without dependencies, which clients such as grpcurl cannot link; this
// regroups its output by the file each type was parsed from.
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';

interface FieldDescriptor {
  typeName?: string;
}
interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
}
interface ServiceDescriptor {
  name: string;
  method?: { inputType?: string; outputType?: string }[];
}
interface FileDescriptor {
  name?: string;
  package?: string;
  syntax?: string;
  dependency?: string[];
  messageType: MessageDescriptor[];
  enumType: { name: string }[];
  service: ServiceDescriptor[];
  options?: unknown;
}

/** Well-known type (fully-qualified, without the dot) → the bundled file that defines it. */
const WELL_KNOWN = new Map<string, string>();
for (const path of Object.keys(protobuf.common)) {
  const json = protobuf.common.get(path) as { nested?: Record<string, { nested?: Record<string, { nested?: object }> }> } | null;
  const types = json?.nested?.google?.nested?.protobuf?.nested;
  if (types !== undefined) for (const name of Object.keys(types)) WELL_KNOWN.set(`google.protobuf.${name}`, path);
}

function referencedTypes(file: FileDescriptor): string[] {
  const out: string[] = [];
  const visit = (message: MessageDescriptor) => {
    for (const field of message.field ?? []) if (field.typeName) out.push(field.typeName);
    for (const nested of message.nestedType ?? []) visit(nested);
  };
  for (const message of file.messageType) visit(message);
  for (const service of file.service) {
    for (const method of service.method ?? []) {
      if (method.inputType) out.push(method.inputType);
      if (method.outputType) out.push(method.outputType);
    }
  }
  return out;
}

/**
 * The encoded FileDescriptorProtos of every file in `root`. `nameOf` turns the file name protobufjs
 * recorded (an absolute path for loaded files) into the name imports use (`acme/chat/v1/chat.proto`).
 */
export function fileDescriptors(root: protobuf.Root, nameOf: (filename: string) => string): Buffer[] {
  const set = root.toDescriptor('proto3') as unknown as { file: FileDescriptor[] };
  const files = new Map<string, FileDescriptor>();
  const typeFile = new Map<string, string>();
  const fileOf = (fqn: string): string => {
    const recorded = (root.lookup(fqn) as { filename?: string | null } | null)?.filename;
    return recorded
      ? nameOf(recorded)
      : (WELL_KNOWN.get(fqn) ?? `${fqn.slice(0, fqn.lastIndexOf('.')).replace(/\./g, '_')}.proto`);
  };
  const place = (pkg: string | undefined, name: string, kind: 'messageType' | 'enumType' | 'service', value: never) => {
    const fqn = pkg ? `${pkg}.${name}` : name;
    const file = fileOf(fqn);
    typeFile.set(fqn, file);
    let target = files.get(file);
    if (target === undefined) {
      target = { name: file, package: pkg, syntax: 'proto3', dependency: [], messageType: [], enumType: [], service: [] };
      files.set(file, target);
    }
    (target[kind] as unknown[]).push(value);
  };
  for (const grouped of set.file) {
    for (const m of grouped.messageType) place(grouped.package, m.name, 'messageType', m as never);
    for (const e of grouped.enumType) place(grouped.package, e.name, 'enumType', e as never);
    for (const s of grouped.service) place(grouped.package, s.name, 'service', s as never);
  }
  for (const file of files.values()) {
    const dependencies = new Set<string>();
    for (const reference of referencedTypes(file)) {
      const fqn = reference.startsWith('.') ? reference.slice(1) : reference;
      // A reference names a top-level type or one nested in it: the longest known prefix is its file.
      let owner: string | undefined;
      for (let name = fqn; name !== '' && owner === undefined; name = name.slice(0, Math.max(0, name.lastIndexOf('.')))) {
        owner = typeFile.get(name);
      }
      if (owner !== undefined && owner !== file.name) dependencies.add(owner);
    }
    file.dependency = [...dependencies].sort();
  }
  return [...files.values()].map((file) => Buffer.from(descriptor.FileDescriptorProto.encode(file as never).finish()));
}
