import type { RouteRule, RuleStore } from './backend.js';
import { entryOf } from './map-entry.js';

/** Routing rules in this process: for one-process apps and unit tests. */
export function memoryRules(): RuleStore {
  const rules = new Map<string, RouteRule>();
  const listeners = new Map<string, Set<(rule: RouteRule | undefined) => void>>();
  return {
    async get(service) {
      return rules.get(service);
    },
    async put(service, rule) {
      if (rule === undefined) rules.delete(service);
      else rules.set(service, Object.freeze({ ...rule }));
      for (const listener of listeners.get(service) ?? []) listener(rules.get(service));
    },
    watch(service, listener) {
      const set = entryOf(listeners, service, () => new Set<(rule: RouteRule | undefined) => void>());
      set.add(listener);
      listener(rules.get(service));
      return () => set.delete(listener);
    },
    async list() {
      return new Map(rules);
    },
  };
}
