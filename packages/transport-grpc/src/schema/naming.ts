// Name rules of the generated .proto. Every name is derived from a Wharf name or a schema key so
// that the .proto is predictable from the code: see docs/transports/grpc.md, "Names".

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` is a valid proto identifier (field, message, enum value, rpc name). */
export function isProtoIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** `user_accounts` → `UserAccounts`, `intervalMs` → `IntervalMs`: the name of a service or a nested type. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The rpc name of a method: its first letter upper-cased (`greet` → `Greet`), as core's duplicate check assumes. */
export function rpcName(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1);
}

/** `intervalMs` → `INTERVAL_MS`, `en-US` → `EN_US`: the style of enum value names. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** The JSON name protoc derives from a field name (`first_name` → `firstName`); two equal ones are an error in proto3. */
export function jsonName(field: string): string {
  let out = '';
  let upper = false;
  for (const char of field) {
    if (char === '_') upper = true;
    else {
      out += upper ? char.toUpperCase() : char;
      upper = false;
    }
  }
  return out;
}

/**
 * Hands out names that are unique within one proto scope (a message or a package): fields, nested
 * types and enum values of nested enums all share it, as protoc requires.
 */
export class Scope {
  readonly #taken = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const name of initial) this.#taken.add(name);
  }

  /** Takes `name`, or `name2`, `name3`, … when it is taken. */
  unique(name: string): string {
    let candidate = name;
    for (let n = 2; this.#taken.has(candidate); n++) candidate = `${name}${n}`;
    this.#taken.add(candidate);
    return candidate;
  }

  add(name: string): void {
    this.#taken.add(name);
  }
}
