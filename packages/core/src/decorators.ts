import 'reflect-metadata';
import type * as z from 'zod';
import type { Context } from './context.js';
import type { Contract } from './contract.js';
import { DeclarationError } from './declaration-error.js';
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

/** What `@Service` records: its options and, for `@Service(contract)`, the contract's method names. */
export interface ServiceRecord extends ServiceOptions {
  readonly contractMethods?: readonly string[];
}

const LEGACY =
  'Wharf\'s decorators are TypeScript\'s legacy ("experimental") decorators: set "experimentalDecorators": true in ' +
  'compilerOptions of the tsconfig.json that compiles this file (and the one your test runner or tsx reads). Without it the ' +
  'compiler emits standard decorators, which Wharf cannot read.';

/**
 * Standard (TC39) decorators receive a context object where legacy ones receive a property key:
 * that is how a missing `experimentalDecorators` shows at run time, before it can mislead.
 */
function refuseStandardDecorators(decorator: string, second: unknown): void {
  if (typeof second === 'object' && second !== null && 'kind' in second) {
    const name = (second as { name?: unknown }).name;
    throw new DeclarationError([`${decorator}${typeof name === 'string' ? ` on ${name}` : ''}: ${LEGACY}`]);
  }
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
  return (target, ...rest: unknown[]) => {
    refuseStandardDecorators('@Service', rest[0]);
    const methods = (options as Partial<Contract>).methods;
    const record: ServiceRecord = {
      name: options.name,
      version: String(options.version),
      description: options.description,
      contractMethods: methods === undefined ? undefined : Object.keys(methods),
    };
    Reflect.defineMetadata(SERVICE_KEY, record, target);
  };
}

/**
 * Marks a method as an RPC handler: `@Rpc({ input, output })` or `@Rpc(contract.methods.greet)`.
 * The compiler checks the method against the schemas.
 */
export function Rpc<I extends Schema, O extends Schema, S extends StreamKind = 'unary'>(options: RpcOptions<I, O, S>) {
  return (target: object, property: string | symbol, _descriptor: MethodOf<RpcHandler<I, O, S>>): void => {
    refuseStandardDecorators('@Rpc', property);
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
    refuseStandardDecorators('@On', property);
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
export function serviceMetadata(ctor: object): ServiceRecord | undefined {
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
