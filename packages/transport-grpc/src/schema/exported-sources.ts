// What `wharf-proto` compiles from a module: the contracts and service definitions among its
// exports. Both are plain objects, so they are known by their shape: a name, a major version, and
// rpcs or methods.
import type { ProtoSource } from './proto-files.js';

function isSource(value: unknown): value is ProtoSource {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || typeof v.major !== 'number') return false;
  return Array.isArray(v.rpcs) || (typeof v.methods === 'object' && v.methods !== null);
}

function collect(value: unknown, into: Map<string, ProtoSource>, depth: number): void {
  if (depth > 2) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into, depth + 1);
    return;
  }
  if (isSource(value)) {
    const key = `${value.name}@${value.major}`;
    if (!into.has(key)) into.set(key, value);
  }
}

/** The services and contracts a module exports (also inside exported arrays), one per name and major version. */
export function exportedSources(module: Record<string, unknown>): ProtoSource[] {
  const sources = new Map<string, ProtoSource>();
  for (const value of Object.values(module)) collect(value, sources, 0);
  return [...sources.values()];
}
