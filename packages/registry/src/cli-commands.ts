import type { ServiceInstance } from '@wharf/core';
import type { RouteRule } from './backend.js';
import type { WharfRegistry } from './cached-registry.js';
import { isProcessLocal } from './memory-rules.js';
import { releaseOf } from './routing.js';

/** Where a command writes. */
export interface Output {
  line(text: string): void;
}

/** A usage mistake: the command line prints it and exits with status 2. */
export class UsageError extends Error {}

const describe = (i: ServiceInstance) =>
  `${i.service}\t${i.version}\trelease=${releaseOf(i)}\t${i.address}\tinstance=${i.metadata?.instance ?? i.id}`;

const describeRule = (service: string, rule: RouteRule) =>
  `rule ${service}: ${JSON.stringify(rule.weights ?? {})}${rule.drained?.length ? ` drained=${rule.drained.join(',')}` : ''}`;

function requireList(registry: WharfRegistry): () => Promise<readonly ServiceInstance[]> {
  const list = registry.backend.list;
  if (list === undefined) throw new UsageError(`The ${registry.backend.name} backend cannot list its instances`);
  return () => list.call(registry.backend);
}

function requireRules(registry: WharfRegistry) {
  // Rules kept in this command's own process would reach no caller: as good as none.
  if (registry.rules === undefined || isProcessLocal(registry.rules))
    throw new UsageError('This registry keeps no routing rules; use etcd, or eureka with ?rules=etcd://…');
  return registry.rules;
}

/** `list [SERVICE]`: every instance (one line each), then the routing rules. */
export async function listCommand(registry: WharfRegistry, out: Output, service?: string): Promise<void> {
  const instances = (await requireList(registry)()).filter((i) => service === undefined || i.service === service);
  for (const i of [...instances].sort((a, b) => describe(a).localeCompare(describe(b)))) out.line(describe(i));
  if (registry.rules === undefined) return;
  for (const [name, rule] of await registry.rules.list())
    if (service === undefined || name === service) out.line(describeRule(name, rule));
}

/** `watch [SERVICE]`: prints `+`/`-` lines as instances come and go, until `signal` aborts. */
export async function watchCommand(
  registry: WharfRegistry,
  out: Output,
  signal: AbortSignal,
  service?: string,
  everyMs = 1_000,
): Promise<void> {
  const list = requireList(registry);
  let seen = new Map<string, string>();
  while (!signal.aborted) {
    try {
      const now = new Map(
        (await list()).filter((i) => service === undefined || i.service === service).map((i) => [i.id, describe(i)] as const),
      );
      for (const [id, text] of now) if (!seen.has(id)) out.line(`+ ${text}`);
      for (const [id, text] of seen) if (!now.has(id)) out.line(`- ${text}`);
      seen = now;
    } catch (error) {
      out.line(`! registry unreachable: ${(error as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Parses `1=90,2=10` into weights. */
export function parseWeights(text: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [release, weight] = part.split('=');
    const value = Number(weight);
    if (!release || weight === undefined || !Number.isFinite(value) || value < 0)
      throw new UsageError(`Cannot read the weight ${JSON.stringify(part)}; write RELEASE=WEIGHT, e.g. 1=90,2=10`);
    weights[release] = value;
  }
  if (Object.values(weights).every((w) => w === 0)) throw new UsageError('At least one weight must be above 0');
  return weights;
}

/** `route SERVICE --weights 1=90,2=10`: splits traffic between releases (drained instances stay drained). */
export async function routeCommand(
  registry: WharfRegistry,
  out: Output,
  service: string,
  weights: Record<string, number>,
): Promise<void> {
  const rules = requireRules(registry);
  const rule = { ...(await rules.get(service)), weights };
  await rules.put(service, rule);
  out.line(describeRule(service, rule));
}

/** `drain INSTANCE [--undo]`: stops (or resumes) traffic to an instance, in every service it serves. */
export async function drainCommand(registry: WharfRegistry, out: Output, instance: string, undo = false): Promise<void> {
  const rules = requireRules(registry);
  const services = new Set(
    (await requireList(registry)()).filter((i) => i.metadata?.instance === instance || i.id === instance).map((i) => i.service),
  );
  if (services.size === 0 && !undo)
    throw new UsageError(`No registered instance is called ${JSON.stringify(instance)}; see \`list\``);
  for (const [service, rule] of await rules.list()) if (rule.drained?.includes(instance)) services.add(service);
  for (const service of services) {
    const rule = (await rules.get(service)) ?? {};
    const drained = new Set(rule.drained ?? []);
    if (undo) drained.delete(instance);
    else drained.add(instance);
    const next = { ...rule, drained: [...drained] };
    await rules.put(service, next);
    out.line(describeRule(service, next));
  }
}
