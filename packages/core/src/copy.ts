import { WharfError } from './errors.js';

// The in-memory transport copies every value that crosses it, so a caller and a handler never
// share a mutable object, just as if a network were between them. Plain data (the shape zod
// schemas describe) is copied by a direct walk, ~10x faster than structuredClone for small
// objects; anything else falls back to structuredClone.

/** A deep copy of `value`. Throws a TypeError for values that could not cross a network (functions, symbols). */
export function copyValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`a ${typeof value} cannot be sent; send plain data`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // Spread copies own enumerable properties with the source's shape in one builtin (an own
    // `__proto__` key stays an own data property); only nested objects then need a visit.
    const out: Record<string, unknown> = proto === null ? Object.assign(Object.create(null), value) : { ...value };
    for (const key in out) {
      const item = out[key];
      if ((typeof item === 'object' && item !== null) || typeof item === 'function' || typeof item === 'symbol') {
        if (Object.hasOwn(out, key)) out[key] = copyValue(item);
      }
    }
    return out as T;
  }
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (value instanceof Map) {
    return new Map([...value].map(([k, v]) => [copyValue(k), copyValue(v)])) as T;
  }
  if (value instanceof Set) return new Set([...value].map(copyValue)) as T;
  return structuredClone(value);
}

/**
 * Throws exactly where `copyValue` would, without copying: for a value whose parse on the other
 * side rebuilds it anyway, what remains of the copy is refusing what could not cross a network.
 */
export function assertSendable(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') copyValue(value);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertSendable(value[i]);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    copyValue(value);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if ((typeof item === 'object' && item !== null) || typeof item === 'function' || typeof item === 'symbol') {
      if (Object.hasOwn(record, key)) assertSendable(item);
    }
  }
}

/** The output copied for the caller; a value that could not cross a network is the server's bug. */
export function copyOutput(output: unknown): unknown {
  try {
    return copyValue(output);
  } catch (error) {
    throw new WharfError('INTERNAL', `A handler returned a value that cannot be sent: ${(error as Error).message}`);
  }
}
