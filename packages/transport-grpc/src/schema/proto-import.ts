// `wharf-proto import`: a .proto service as a typed Wharf contract. The zod schemas describe the
// messages as the bring-your-own-proto codecs decode them (field names as written, enums as names,
// 64-bit integers as decimal strings, presence as in proto3), and the contract binds the methods to
// the original .proto, so the wire is exactly that file's.
import { dirname, relative, resolve } from 'node:path';
import protobuf from 'protobufjs';
import { loadRoot, servicesIn } from './proto-binding.js';

/** What to import. */
export interface ProtoImportOptions {
  /** The .proto file(s), as paths relative to an include dir (or to the working directory). */
  readonly files: readonly string[];
  /** Directories searched for the files and their imports; default: the first file's folder. */
  readonly includeDirs?: readonly string[];
  /** The fully-qualified service; needed only when the files declare several. */
  readonly service?: string;
  /** The contract's name; default: the service's name in snake_case. */
  readonly name?: string;
  /** Where the generated module will be written: paths to the .proto are made relative to it. */
  readonly outFile: string;
}

/** The generated module and what it declares. */
export interface ProtoImport {
  readonly source: string;
  readonly service: string;
  readonly contract: string;
  readonly messages: number;
  readonly enums: number;
  readonly methods: number;
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const pascal = (parts: readonly string[]) => parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('_');
const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name));

/** Every message and enum the service's methods reach, in the order met. */
function reachable(service: protobuf.Service): (protobuf.Type | protobuf.Enum)[] {
  const seen = new Set<protobuf.Type | protobuf.Enum>();
  const visit = (t: protobuf.Type | protobuf.Enum) => {
    if (seen.has(t)) return;
    seen.add(t);
    if (t instanceof protobuf.Type) {
      for (const field of t.fieldsArray) {
        field.resolve();
        if (field.resolvedType !== null) visit(field.resolvedType);
      }
    }
  };
  for (const method of service.methodsArray) {
    method.resolve();
    visit(method.resolvedRequestType!);
    visit(method.resolvedResponseType!);
  }
  return [...seen];
}

/** Module-level names: relative to the service's package, joined with `_`; qualified only to break a tie. */
function constNames(types: readonly (protobuf.Type | protobuf.Enum)[], pkg: string): Map<protobuf.ReflectionObject, string> {
  const full = (t: protobuf.ReflectionObject) => t.fullName.slice(1);
  const short = (t: protobuf.ReflectionObject) => {
    const name = full(t);
    if (pkg !== '' && name.startsWith(`${pkg}.`)) return pascal(name.slice(pkg.length + 1).split('.'));
    const lower = name.split('.').findIndex((p) => /^[A-Z]/.test(p));
    return pascal(name.split('.').slice(lower < 0 ? -1 : lower));
  };
  const counts = new Map<string, number>();
  for (const t of types) counts.set(short(t), (counts.get(short(t)) ?? 0) + 1);
  return new Map(types.map((t) => [t, counts.get(short(t))! > 1 ? pascal(full(t).split('.')) : short(t)]));
}

/**
 * Generates a TypeScript module with the zod schema of every message and enum the service uses,
 * its ProtoBinding and a contract whose methods are bound to the .proto's rpcs.
 */
export function importProto(options: ProtoImportOptions): ProtoImport {
  const includeDirs = (options.includeDirs?.length ? options.includeDirs : [dirname(options.files[0] ?? '.')]).map((d) =>
    resolve(d),
  );
  const files = options.includeDirs?.length ? options.files : options.files.map((f) => relative(includeDirs[0]!, resolve(f)));
  const root = loadRoot(files, includeDirs);
  const services = servicesIn(root);
  const service =
    options.service === undefined
      ? services.length === 1
        ? services[0]
        : undefined
      : services.find((s) => s.fullName === `.${options.service}`);
  if (service === undefined) {
    const names = services.map((s) => s.fullName.slice(1)).join(', ') || 'none';
    throw new Error(
      options.service === undefined
        ? `${files.join(', ')} declares ${services.length} services (${names}); name one with --service`
        : `${files.join(', ')} has no service ${options.service}; services: ${names}`,
    );
  }
  const serviceName = service.fullName.slice(1);
  const pkg = serviceName.split('.').slice(0, -1).join('.');
  const types = reachable(service);
  const names = constNames(types, pkg);
  const out: string[] = [];
  const enums = types.filter((t): t is protobuf.Enum => t instanceof protobuf.Enum);
  const messages = types.filter((t): t is protobuf.Type => t instanceof protobuf.Type);

  for (const e of enums) {
    const values = Object.keys(e.values);
    out.push(`/** enum ${e.fullName.slice(1)}: the value's name, or its number when this file does not know it. */`);
    out.push(`export const ${names.get(e)} = z.union([z.enum([${values.map(quote).join(', ')}]), z.int()]);`);
  }

  // Messages in dependency order; a field that refers back (a cycle) is a getter, which zod resolves lazily.
  const emitted = new Set<protobuf.Type>();
  const inProgress = new Set<protobuf.Type>();
  const emit = (type: protobuf.Type) => {
    if (emitted.has(type) || inProgress.has(type)) return;
    inProgress.add(type);
    for (const field of type.fieldsArray) if (field.resolvedType instanceof protobuf.Type) emit(field.resolvedType);
    const realOneofs = type.oneofsArray.filter(
      (o) => !(o.fieldsArray.length === 1 && o.fieldsArray[0]?.options?.proto3_optional),
    );
    const lines = type.fieldsArray.map((field) => {
      const resolved = field.resolvedType;
      const lazy = resolved instanceof protobuf.Type && !emitted.has(resolved);
      let value: string;
      let zero: string | undefined;
      if (resolved instanceof protobuf.Type) value = names.get(resolved)!;
      else if (resolved instanceof protobuf.Enum) {
        value = names.get(resolved)!;
        zero = quote(Object.entries(resolved.values).find(([, n]) => n === 0)?.[0] ?? Object.keys(resolved.values)[0]!);
      } else if (field.type === 'string') [value, zero] = ['z.string()', "''"];
      else if (field.type === 'bool') [value, zero] = ['z.boolean()', 'false'];
      else if (field.type === 'bytes') [value, zero] = ['z.instanceof(Uint8Array)', 'new Uint8Array()'];
      else if (field.type === 'double' || field.type === 'float') [value, zero] = ['z.number()', '0'];
      else if (INT32.has(field.type)) [value, zero] = ['z.int()', '0'];
      else if (INT64.has(field.type)) [value, zero] = ['Int64', "'0'"];
      else [value, zero] = ['z.unknown()', undefined];
      const explicit = resolved instanceof protobuf.Type || field.partOf !== null || field.options?.proto3_optional === true;
      let schema: string;
      if (field.map) schema = `z.record(z.string(), ${value}).default({})`;
      else if (field.repeated) schema = `z.array(${value}).default([])`;
      else if (explicit || zero === undefined) schema = `${value}.optional()`;
      else schema = `${value}.default(${zero})`;
      const comment = `${field.map ? `map<${(field as unknown as protobuf.MapField).keyType}, ${field.type}>` : `${field.repeated ? 'repeated ' : ''}${field.type}`} = ${field.id}`;
      return lazy
        ? `  get ${key(field.name)}() {\n    return ${schema}; // ${comment}\n  },`
        : `  ${key(field.name)}: ${schema}, // ${comment}`;
    });
    for (const oneof of realOneofs) {
      lines.push(
        `  ${key(oneof.name)}: z.enum([${oneof.oneof.map(quote).join(', ')}]).optional(), // which member of oneof ${oneof.name} is set`,
      );
    }
    out.push(`/** message ${type.fullName.slice(1)} */`);
    out.push(
      lines.length === 0
        ? `export const ${names.get(type)} = z.object({});`
        : `export const ${names.get(type)} = z.object({\n${lines.join('\n')}\n});`,
    );
    inProgress.delete(type);
    emitted.add(type);
  };
  for (const m of messages) emit(m);

  const kind = (m: protobuf.Method) =>
    m.requestStream ? (m.responseStream ? 'bidi' : 'client') : m.responseStream ? 'server' : undefined;
  const methods = service.methodsArray.map((m) => {
    const stream = kind(m);
    return `    ${key(lowerFirst(m.name))}: { input: ${names.get(m.resolvedRequestType!)}, output: ${names.get(m.resolvedResponseType!)}${stream ? `, stream: '${stream}'` : ''} }, // rpc ${m.name}`;
  });
  const version = /(?:^|\.)v(\d+)(?:\.|$)/.exec(pkg)?.[1] ?? '1';
  const contract = options.name ?? snake(service.name);
  const contractConst = lowerFirst(
    contract
      .split('_')
      .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
      .join(''),
  );
  const bindingName = `${contractConst}Proto`;
  const outDir = dirname(resolve(options.outFile));
  const dirUrl = (dir: string) => {
    const rel = relative(outDir, dir).split('\\').join('/');
    return `fileURLToPath(new URL(${quote(`${rel === '' ? '.' : rel}/`)}, import.meta.url))`;
  };
  const header = [
    `// Generated by \`wharf-proto import\` from ${files.join(', ')} (service ${serviceName}). Do not edit: run it again.`,
    `// The messages as Wharf's gRPC transport decodes them with this .proto: field names as written, enums by`,
    `// name, 64-bit integers as decimal strings, presence as in proto3. The methods are served and called`,
    `// through the .proto itself (withProto), so any gRPC client of it works unchanged.`,
    `import { fileURLToPath } from 'node:url';`,
    `import { defineContract } from '@wharf/core';`,
    `import { type ProtoBinding, withProto } from '@wharf/transport-grpc';`,
    `import * as z from 'zod';`,
    '',
    `/** 64-bit integers: decimal strings when decoded; strings, safe numbers or bigints accepted when encoding. */`,
    `const Int64 = z.union([z.string(), z.number(), z.bigint()]);`,
    '',
    `/** The .proto this contract is bound to, found relative to this module. */`,
    `export const ${bindingName}: ProtoBinding = {`,
    `  files: [${files.map((f) => quote(f.split('\\').join('/'))).join(', ')}],`,
    `  includeDirs: [${includeDirs.map(dirUrl).join(', ')}],`,
    `  service: ${quote(serviceName)},`,
    `};`,
    '',
  ];
  const body = [
    ...out,
    '',
    `/** service ${serviceName} */`,
    `export const ${contractConst} = defineContract({`,
    `  name: ${quote(contract)},`,
    `  version: '${version}.0.0',`,
    `  methods: withProto(${bindingName}, {`,
    ...methods,
    `  }),`,
    `});`,
    '',
  ];
  return {
    source: [...header, ...body].join('\n'),
    service: serviceName,
    contract,
    messages: messages.length,
    enums: enums.length,
    methods: service.methodsArray.length,
  };
}
