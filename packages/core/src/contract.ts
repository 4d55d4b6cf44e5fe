import { rpcOptionsProblems } from './checks.js';
import { throwIfProblems } from './declaration-error.js';
import type { EventRef, RpcOptions, RpcRef, StreamKind } from './endpoint.js';
import { eventNameProblem, majorOf, methodNameProblem, serviceNameProblem, versionProblem } from './names.js';
import type { Schema } from './validation.js';
import { isSchema } from './validation.js';

/** An event as a contract declares it; its name defaults to `<service>.<key>`. */
export interface EventSpec<P extends Schema = Schema> {
  readonly name?: string;
  readonly payload: P;
  readonly description?: string;
  /** The payload field holding the partition key (e.g. `orderId`): one key's events stay in order. */
  readonly key?: string;
}

/** What `defineContract` takes: a service's name, version, methods and events. */
export interface ContractSpec {
  readonly name: string;
  readonly version: string | number;
  readonly description?: string;
  readonly methods: { readonly [name: string]: RpcOptions<Schema, Schema, StreamKind> };
  readonly events?: { readonly [key: string]: EventSpec };
}

type StreamOf<M> = M extends { readonly stream: infer S extends StreamKind } ? S : 'unary';

/** The reference type of one contract method. */
export type RefOf<M> = M extends RpcOptions<infer I, infer O, StreamKind> ? RpcRef<I, O, StreamOf<M>> : never;

/**
 * A service's public face: names and schemas, no implementation. Import it on both sides: the
 * service implements it, callers get a typed client from it.
 */
export interface Contract<S extends ContractSpec = ContractSpec> {
  readonly name: S['name'];
  readonly version: string;
  readonly major: number;
  readonly description?: string;
  readonly methods: { readonly [K in keyof S['methods'] & string]: RefOf<S['methods'][K]> };
  readonly events: {
    readonly [K in keyof NonNullable<S['events']> & string]: EventRef<NonNullable<S['events']>[K]['payload']>;
  };
}

/** Anything with callable methods: a contract, or a service definition seen from a caller. */
export interface MethodsOf {
  readonly methods: { readonly [name: string]: RpcRef };
}

/**
 * Declares a contract. Validates names and schemas at once (throws DeclarationError), and stamps
 * each method with its service, version and name so it can be called directly.
 */
export function defineContract<const S extends ContractSpec>(spec: S): Contract<S> {
  const where = `defineContract(${JSON.stringify(spec.name)})`;
  const problems: string[] = [];
  const nameProblem = serviceNameProblem(spec.name);
  if (nameProblem) problems.push(`${where}: ${nameProblem}`);
  const vProblem = versionProblem(spec.version);
  if (vProblem) problems.push(`${where}: ${vProblem}`);
  const version = String(spec.version);
  const major = majorOf(version) ?? 0;

  const methods: Record<string, RpcRef> = {};
  for (const [key, options] of Object.entries(spec.methods ?? {})) {
    const name = options.name ?? key;
    const mProblem = methodNameProblem(name);
    if (mProblem) problems.push(`${where}.methods.${key}: ${mProblem}`);
    problems.push(...rpcOptionsProblems(options, `${where}.methods.${key}`));
    methods[key] = Object.freeze({
      ...options,
      service: spec.name,
      version,
      major,
      name,
      fullName: `${spec.name}.${name}`,
      stream: options.stream ?? 'unary',
    });
  }

  const events: Record<string, EventRef> = {};
  for (const [key, event] of Object.entries(spec.events ?? {})) {
    const name = event.name ?? `${spec.name}.${key}`;
    const eProblem = eventNameProblem(name);
    if (eProblem) problems.push(`${where}.events.${key}: ${eProblem}`);
    if (!isSchema(event.payload)) problems.push(`${where}.events.${key}: payload is not a zod schema`);
    if (event.key !== undefined && (typeof event.key !== 'string' || !/^[^.]+(\.[^.]+)*$/.test(event.key))) {
      problems.push(`${where}.events.${key}: key must name a payload field, e.g. "orderId" or "order.id"`);
    }
    events[key] = Object.freeze({ name, payload: event.payload, description: event.description, key: event.key });
  }
  throwIfProblems(problems);

  return Object.freeze({
    name: spec.name,
    version,
    major,
    description: spec.description,
    methods: Object.freeze(methods),
    events: Object.freeze(events),
  }) as unknown as Contract<S>;
}
