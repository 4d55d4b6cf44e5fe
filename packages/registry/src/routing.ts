import type { ServiceInstance } from '@wharf/core';
import type { RouteRule } from './backend.js';

/** The release an instance belongs to: its `metadata.release`, else its version. */
export function releaseOf(instance: ServiceInstance): string {
  return instance.metadata?.release ?? instance.version;
}

/** True when `key` names `release` exactly or as a dotted prefix (`2` names `2.1.0`). */
export function releaseMatches(key: string, release: string): boolean {
  return release === key || release.startsWith(`${key}.`);
}

/** Instances grouped by the rule's weights: pick a group by weight, then an instance in it. */
export interface RoutedGroups {
  readonly groups: readonly { readonly weight: number; readonly instances: readonly ServiceInstance[] }[];
  readonly total: number;
  /** Every instance the rule lets through (all groups). */
  readonly all: readonly ServiceInstance[];
}

/**
 * Applies a rule to a set of instances: drained ones go, then each weighted release gets its
 * instances. A rule that would leave nothing (the new release is not up yet, every instance is
 * drained) is ignored rather than failing every call.
 */
export function route(instances: readonly ServiceInstance[], rule: RouteRule | undefined): RoutedGroups {
  const whole = { groups: [{ weight: 1, instances }], total: 1, all: instances };
  if (rule === undefined) return whole;
  const drained = new Set(rule.drained ?? []);
  const live =
    drained.size === 0 ? instances : instances.filter((i) => !drained.has(i.id) && !drained.has(i.metadata?.instance ?? ''));
  if (live.length === 0) return whole;
  const weights = rule.weights;
  if (weights === undefined) return { groups: [{ weight: 1, instances: live }], total: 1, all: live };
  const groups: { weight: number; instances: ServiceInstance[] }[] = [];
  for (const [key, weight] of Object.entries(weights)) {
    if (weight <= 0) continue;
    const members = live.filter((i) => releaseMatches(key, releaseOf(i)));
    if (members.length > 0) groups.push({ weight, instances: members });
  }
  const total = groups.reduce((sum, g) => sum + g.weight, 0);
  if (total <= 0) return { groups: [{ weight: 1, instances: live }], total: 1, all: live };
  return { groups, total, all: groups.flatMap((g) => g.instances) };
}

/** One group, chosen in proportion to the weights. */
export function pickGroup(routed: RoutedGroups): readonly ServiceInstance[] {
  const { groups } = routed;
  if (groups.length === 1) return (groups[0] as RoutedGroups['groups'][number]).instances;
  let point = Math.random() * routed.total;
  for (const group of groups) {
    point -= group.weight;
    if (point < 0) return group.instances;
  }
  return (groups[groups.length - 1] as RoutedGroups['groups'][number]).instances;
}
