/**
 * The partition key of an event: the value at `path` (a payload field, dots for nested fields,
 * as declared with the event) as a string; undefined when the path is not declared or holds no
 * string, number or bigint.
 */
export function eventKey(path: string | undefined, payload: unknown): string | undefined {
  if (path === undefined) return undefined;
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : undefined;
}
