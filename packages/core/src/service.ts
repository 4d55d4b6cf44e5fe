import type * as z from 'zod';
import type { Context } from './context.js';
import type { Contract, MethodsOf } from './contract.js';
import { DeclarationError, throwIfProblems } from './declaration-error.js';
import { handlerMetadata, serviceMetadata } from './decorators.js';
import type {
  AnyHandler,
  EventEndpoint,
  OnOptions,
  RpcEndpoint,
  RpcOptions,
  RpcRef,
  ServiceDefinition,
  StreamKind,
} from './endpoint.js';
import type { RpcHandler } from './handler.js';
import { majorOf } from './names.js';
import type { Schema } from './validation.js';

/** An RPC declared as data: its options and its handler. */
export interface RpcSpec<I extends Schema = Schema, O extends Schema = Schema, S extends StreamKind = StreamKind>
  extends RpcOptions<I, O, S> {
  readonly handler: RpcHandler<I, O, S>;
}

/** An event subscription declared as data. */
export interface OnSpec<P extends Schema = Schema> extends OnOptions<P> {
  readonly pattern: string;
  readonly handler: (payload: z.output<P>, ctx: Context) => unknown;
}

/** What `defineService` takes. */
export interface ServiceSpec {
  readonly name: string;
  readonly version: string | number;
  readonly description?: string;
  readonly rpc?: { readonly [name: string]: RpcSpec<Schema, Schema, StreamKind> };
  readonly on?: { readonly [name: string]: OnSpec };
}

/** Declares one RPC as data, with its handler typed from its schemas. */
export function rpc<I extends Schema, O extends Schema, S extends StreamKind = 'unary'>(
  spec: RpcSpec<I, O, S>,
): RpcSpec<I, O, S> {
  return spec;
}

/** Declares one event subscription as data, with its handler typed from its schema. */
export function on<P extends Schema>(pattern: string, spec: OnOptions<P> & Pick<OnSpec<P>, 'handler'>): OnSpec<P> {
  return { ...spec, pattern };
}

interface Header {
  readonly name: string;
  readonly version: string;
  readonly major: number;
}

function rpcEndpoint(header: Header, name: string, options: RpcOptions, handler: unknown, source: string): RpcEndpoint {
  return Object.freeze({
    ...options,
    kind: 'rpc',
    service: header.name,
    version: header.version,
    major: header.major,
    name,
    fullName: `${header.name}.${name}`,
    stream: options.stream ?? 'unary',
    handler: handler as AnyHandler,
    source,
  });
}

function eventEndpoint(
  header: Header,
  name: string,
  pattern: string,
  options: OnOptions,
  handler: unknown,
  source: string,
): EventEndpoint {
  return Object.freeze({
    ...options,
    kind: 'event',
    service: header.name,
    version: header.version,
    major: header.major,
    name,
    fullName: `${header.name}.${name}`,
    pattern,
    handler: handler as AnyHandler,
    source,
  });
}

function header(name: string, version: string | number): Header {
  return { name, version: String(version), major: majorOf(version) ?? 0 };
}

/** Declares a service from plain data and functions, without decorators. */
export function defineService(spec: ServiceSpec): ServiceDefinition {
  const h = header(spec.name, spec.version);
  const where = `defineService(${JSON.stringify(spec.name)})`;
  const rpcs = Object.entries(spec.rpc ?? {}).map(([key, s]) =>
    rpcEndpoint(h, s.name ?? key, s, s.handler, `${where}.rpc.${key}`),
  );
  const events = Object.entries(spec.on ?? {}).map(([key, s]) =>
    eventEndpoint(h, s.name ?? key, s.pattern, s, s.handler, `${where}.on.${key}`),
  );
  return Object.freeze({ ...h, description: spec.description, rpcs, events, source: where });
}

/** The handler type for one contract method. */
export type HandlerOf<R> = R extends RpcRef<infer I, infer O, infer S> ? RpcHandler<I, O, S> : never;

/** Handlers for every method of a contract. */
export type HandlersOf<C extends MethodsOf> = { readonly [K in keyof C['methods']]: HandlerOf<C['methods'][K]> };

/**
 * Implements a contract with plain functions: one handler per method, typed from the contract;
 * event subscriptions go in `extra.on`.
 */
export function implement<C extends Contract>(
  contract: C,
  handlers: HandlersOf<C>,
  extra: { readonly on?: { readonly [name: string]: OnSpec } } = {},
): ServiceDefinition {
  const where = `implement(${contract.name})`;
  const problems: string[] = [];
  const methods = contract.methods as Readonly<Record<string, RpcRef>>;
  const given = handlers as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(given)) {
    if (!(key in methods))
      problems.push(`${where}.${key}: the contract has no method "${key}"; remove it or add it to the contract`);
  }
  const h = header(contract.name, contract.version);
  const rpcs = Object.entries(methods).map(([key, ref]) => {
    if (given[key] === undefined) problems.push(`${where}.${key}: no handler for contract method "${key}"`);
    return rpcEndpoint(h, ref.name, ref, given[key], `${where}.${key}`);
  });
  throwIfProblems(problems);
  const events = Object.entries(extra.on ?? {}).map(([key, s]) =>
    eventEndpoint(h, s.name ?? key, s.pattern, s, s.handler, `${where}.on.${key}`),
  );
  return Object.freeze({ ...h, description: contract.description, rpcs, events, source: where });
}

/** Reads a decorated service instance into a definition. Throws DeclarationError naming the class and method. */
export function serviceFromInstance(instance: object): ServiceDefinition {
  if (typeof instance === 'function') {
    const name = instance.name || 'an anonymous class';
    throw new DeclarationError([
      serviceMetadata(instance) === undefined
        ? `${name} is a function, not a service: pass an instance of a class decorated with @Service, or defineService(...)`
        : `${name} is the class, not an instance: pass new ${name}() in services`,
    ]);
  }
  const ctor = instance.constructor;
  const className = ctor?.name || 'an anonymous class';
  const meta = ctor === undefined ? undefined : serviceMetadata(ctor);
  if (meta === undefined) {
    throw new DeclarationError([
      `${className}: not a service; decorate the class with @Service({ name, version }) or pass defineService(...)`,
    ]);
  }
  const h = header(meta.name, meta.version);
  const problems: string[] = [];
  const rpcs: RpcEndpoint[] = [];
  const events: EventEndpoint[] = [];
  const target = instance as Record<string | symbol, unknown>;
  for (const entry of handlerMetadata(ctor)) {
    const source = `${className}.${String(entry.property)}`;
    const method = target[entry.property];
    const handler = typeof method === 'function' ? method.bind(instance) : method;
    if (entry.kind === 'rpc') {
      const ref = entry.options as Partial<RpcRef>;
      if (ref.service !== undefined && ref.service !== meta.name) {
        problems.push(
          `${source}: implements ${ref.service}.${ref.name} from another contract, but the class is service "${meta.name}"`,
        );
      }
      rpcs.push(rpcEndpoint(h, entry.options.name ?? String(entry.property), entry.options, handler, source));
    } else {
      events.push(
        eventEndpoint(
          h,
          entry.options?.name ?? String(entry.property),
          entry.pattern,
          entry.options ?? ({} as OnOptions),
          handler,
          source,
        ),
      );
    }
  }
  const missing = (meta.contractMethods ?? []).filter((name) => !rpcs.some((r) => r.name === name));
  if (missing.length > 0) {
    problems.push(
      `${className}: @Service(${meta.name}) leaves contract method${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `unimplemented (callers would get UNIMPLEMENTED); add ${missing.map((m) => `@Rpc(${meta.name}.methods.${m})`).join(', ')}`,
    );
  } else if (rpcs.length === 0 && events.length === 0) {
    problems.push(`${className}: service "${meta.name}" declares no handlers; decorate methods with @Rpc or @On`);
  }
  throwIfProblems(problems);
  return Object.freeze({ ...h, description: meta.description, rpcs, events, source: className });
}

/** True for an already-normalised service definition. */
export function isServiceDefinition(value: unknown): value is ServiceDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ServiceDefinition>;
  return typeof v.name === 'string' && Array.isArray(v.rpcs) && Array.isArray(v.events) && typeof v.source === 'string';
}

/** A definition for anything `createApp` accepts as a service: a definition or a decorated instance. */
export function toServiceDefinition(service: object): ServiceDefinition {
  return isServiceDefinition(service) ? service : serviceFromInstance(service);
}
