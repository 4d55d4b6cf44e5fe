import type { ServiceInstance } from '@wharf/core';
import type { RouteRule } from '../backend.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON object, or undefined for anything else (malformed text, an array, a scalar). */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A registry record as JSON, checked: a malformed one (written by hand, another tool) is skipped. */
export function parseInstance(text: string): ServiceInstance | undefined {
  const value = parseObject(text);
  if (value === undefined) return undefined;
  const { id, service, version, address, metadata } = value;
  if (typeof id !== 'string' || typeof service !== 'string' || typeof version !== 'string' || typeof address !== 'string')
    return undefined;
  const meta = isObject(metadata)
    ? Object.fromEntries(Object.entries(metadata).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : undefined;
  return meta === undefined ? { id, service, version, address } : { id, service, version, address, metadata: meta };
}

/** A routing rule as JSON, checked: weights must be non-negative numbers, drained a list of strings. */
export function parseRule(text: string): RouteRule | undefined {
  const value = parseObject(text);
  if (value === undefined) return undefined;
  const rule: { weights?: Record<string, number>; drained?: string[] } = {};
  if (isObject(value.weights)) {
    const weights = Object.entries(value.weights).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0,
    );
    if (weights.length > 0) rule.weights = Object.fromEntries(weights);
  }
  if (Array.isArray(value.drained)) rule.drained = value.drained.filter((d): d is string => typeof d === 'string');
  return rule;
}
