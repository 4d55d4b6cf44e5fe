import { toServiceDefinition } from './service.js';

/** A contract as found among a module's exports: name, major version, methods and events. */
export interface FoundContract {
  readonly name: string;
  readonly version: string;
  readonly major: number;
  readonly methods: object;
  readonly events: object;
}

function isContract(value: unknown): value is FoundContract {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' && typeof v.major === 'number' && typeof v.methods === 'object' && typeof v.events === 'object'
  );
}

function isClass(value: unknown): value is new () => object {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/**
 * The contracts (`defineContract`) and services (a `@Service` class with a no-argument
 * constructor, instantiated, or a `defineService`/`implement` definition) a module exports, by
 * service name: what a document generator (AsyncAPI) needs from `import(module)`.
 */
function servicesInModule(exports: Readonly<Record<string, unknown>>): {
  readonly contracts: ReadonlyMap<string, FoundContract>;
  readonly services: ReadonlyMap<string, object>;
} {
  const contracts = new Map<string, FoundContract>();
  const services = new Map<string, object>();
  for (const value of Object.values(exports)) {
    if (isContract(value)) contracts.set(value.name, value);
    else if (isClass(value) && value.length === 0) {
      try {
        const instance = new value();
        services.set(toServiceDefinition(instance).name, instance);
      } catch {
        // Not a service class, or one that needs constructor arguments: export a definition instead.
      }
    } else if (typeof value === 'object' && value !== null && Array.isArray((value as { rpcs?: unknown }).rpcs)) {
      try {
        services.set(toServiceDefinition(value).name, value);
      } catch {
        // Not a service definition.
      }
    }
  }
  return { contracts, services };
}

/**
 * The one service of a module a document command describes: the one `wanted` names, or the
 * module's only one. Otherwise `problem` says what to pass (for the command's usage error).
 */
export function serviceInModule(
  exports: Readonly<Record<string, unknown>>,
  module: string,
  wanted?: string,
): { readonly contract?: FoundContract; readonly service?: object } | { readonly problem: string } {
  const { contracts, services } = servicesInModule(exports);
  const found = [...new Set([...contracts.keys(), ...services.keys()])];
  const name = wanted ?? (found.length === 1 ? found[0] : undefined);
  if (name === undefined || !found.includes(name)) {
    return {
      problem:
        found.length === 0
          ? `${module} exports no contract (defineContract) and no service (a @Service class or defineService)`
          : `Choose one service with --service: ${module} exports ${found.join(', ')}`,
    };
  }
  return { contract: contracts.get(name), service: services.get(name) };
}
