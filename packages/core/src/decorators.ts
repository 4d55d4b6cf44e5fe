import 'reflect-metadata';
import type * as z from 'zod';
import type { Context } from './context.js';
import type { Contract } from './contract.js';
import type { EventRef, OnOptions, RpcOptions, StreamKind } from './endpoint.js';
import type { RpcHandler } from './handler.js';
import type { Schema } from './validation.js';

// Decorators only record metadata; `serviceFromInstance` reads it. Nothing here has behaviour.
const SERVICE_KEY = 'wharf:service';
const HANDLERS_KEY = 'wharf:handlers';

/** What `@Service` declares. */
export interface ServiceOptions {
  readonly name: string;
  readonly version: string | number;
  readonly description?: string;
}

/** One recorded `@Rpc` or `@On`. */
export type HandlerRecord =
  | { readonly kind: 'rpc'; readonly property: string | symbol; readonly options: RpcOptions }
  | { readonly kind: 'event'; readonly property: string | symbol; readonly pattern: string; readonly options: OnOptions };

// Only `value` is checked: TypedPropertyDescriptor is invariant (its `set`), which would reject
// a handler whose declared types are merely compatible.
interface MethodOf<F> {
  value?: F;
}

/** Marks a class as a service: `@Service({ name: 'greeter', version: '1.0.0' })` or `@Service(contract)`. */
export function Service(options: ServiceOptions | Contract): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(
      SERVICE_KEY,
      { name: options.name, version: String(options.version), description: options.description },
      target,
    );
  };
}

/**
 * Marks a method as an RPC handler: `@Rpc({ input, output })` or `@Rpc(contract.methods.greet)`.
 * The compiler checks the method against the schemas.
 */
export function Rpc<I extends Schema, O extends Schema, S extends StreamKind = 'unary'>(options: RpcOptions<I, O, S>) {
  return (target: object, property: string | symbol, _descriptor: MethodOf<RpcHandler<I, O, S>>): void => {
    record(target, { kind: 'rpc', property, options: options as RpcOptions });
  };
}

/**
 * Marks a method as an event handler: `@On('orders.*', { input })` or `@On(contract.events.created)`
 * (with options besides the schema, e.g. `@On(contract.events.created, { name: 'onCreated' })`).
 * Each service receives each matching event once; its instances share the work.
 */
export function On<P extends Schema>(
  event: EventRef<P>,
  options?: Omit<OnOptions<P>, 'input'>,
): (target: object, property: string | symbol, descriptor: MethodOf<(payload: z.output<P>, ctx: Context) => unknown>) => void;
export function On<P extends Schema>(
  pattern: string,
  options: OnOptions<P>,
): (target: object, property: string | symbol, descriptor: MethodOf<(payload: z.output<P>, ctx: Context) => unknown>) => void;
export function On(event: EventRef | string, options?: Partial<OnOptions>) {
  return (target: object, property: string | symbol): void => {
    if (typeof event === 'string') {
      record(target, { kind: 'event', property, pattern: event, options: options as OnOptions });
    } else {
      record(target, {
        kind: 'event',
        property,
        pattern: event.name,
        options: { input: event.payload, description: event.description, ...options },
      });
    }
  };
}

function record(prototype: object, entry: HandlerRecord): void {
  const ctor = prototype.constructor;
  const existing: HandlerRecord[] = Reflect.getOwnMetadata(HANDLERS_KEY, ctor) ?? [];
  Reflect.defineMetadata(HANDLERS_KEY, [...existing, entry], ctor);
}

/** The `@Service` options of a class (inherited ones included), or undefined. */
export function serviceMetadata(ctor: object): ServiceOptions | undefined {
  return Reflect.getMetadata(SERVICE_KEY, ctor);
}

/** The handlers recorded on a class and its ancestors; a subclass's record wins for the same method. */
export function handlerMetadata(ctor: object): HandlerRecord[] {
  const chain: object[] = [];
  for (let c: object | null = ctor; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  const byKey = new Map<string, HandlerRecord>();
  for (const c of chain) {
    for (const entry of (Reflect.getOwnMetadata(HANDLERS_KEY, c) ?? []) as HandlerRecord[]) {
      const pattern = entry.kind === 'event' ? entry.pattern : '';
      byKey.set(`${entry.kind}\0${String(entry.property)}\0${pattern}`, entry);
    }
  }
  return [...byKey.values()];
}
