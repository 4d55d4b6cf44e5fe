// The rules below keep every name mappable onto every transport without escaping: a service
// name becomes the proto package `<name>.v<major>` and the AMQP queue prefix, a method name
// becomes a proto rpc name and an HTTP path segment, an event name an AMQP routing key.

const SERVICE_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const EVENT_WORD = /^[a-z0-9][a-z0-9_-]*$/;
const VERSION = /^(\d+)(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$/;

/** Why `name` is not a valid service name, or undefined when it is. */
export function serviceNameProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && SERVICE_NAME.test(name)) return undefined;
  return `service name ${JSON.stringify(name)} is invalid: use 1–63 lower-case letters, digits and underscores, starting with a letter (it becomes the proto package and the AMQP queue prefix)`;
}

/** Why `name` is not a valid method or handler name, or undefined when it is. */
export function methodNameProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && METHOD_NAME.test(name)) return undefined;
  return `name ${JSON.stringify(name)} is invalid: use 1–63 letters, digits and underscores, starting with a letter (it becomes a proto rpc name and a route segment)`;
}

/** Why `name` is not a valid event name (`orders.created`), or undefined when it is. */
export function eventNameProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && name.length <= 255 && name.split('.').every((w) => EVENT_WORD.test(w))) {
    return undefined;
  }
  return `event name ${JSON.stringify(name)} is invalid: use dot-separated words of lower-case letters, digits, '_' and '-', at most 255 characters (it becomes an AMQP routing key)`;
}

/** Why `pattern` is not a valid event pattern (`orders.*`, `#`), or undefined when it is. */
export function eventPatternProblem(pattern: unknown): string | undefined {
  if (
    typeof pattern === 'string' &&
    pattern.length <= 255 &&
    pattern.split('.').every((w) => w === '*' || w === '#' || EVENT_WORD.test(w))
  ) {
    return undefined;
  }
  return `event pattern ${JSON.stringify(pattern)} is invalid: use dot-separated words, '*' for exactly one word and '#' for zero or more`;
}

/** The major version of `version` (`"2.1.0"` → 2), or undefined when it is not a version. */
export function majorOf(version: unknown): number | undefined {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string') return undefined;
  const match = VERSION.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Why `version` is not a valid version, or undefined when it is. */
export function versionProblem(version: unknown): string | undefined {
  if (majorOf(version) !== undefined) return undefined;
  return `version ${JSON.stringify(version)} is invalid: use a semantic version such as "1.0.0" or a major number such as 1`;
}
