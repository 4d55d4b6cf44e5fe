import type { RouteRule, RuleStore } from './backend.js';
import { entryOf } from './map-entry.js';

// Stores whose rules no other process sees: the command line must not write to one and report success.
const local = new WeakSet<RuleStore>();

/** True for a store made by `memoryRules`. */
export function isProcessLocal(store: RuleStore): boolean {
  return local.has(store);
}

/** Routing rules in this process: for one-process apps and unit tests. */
export function memoryRules(): RuleStore {
  const rules = new Map<string, RouteRule>();
  const listeners = new Map<string, Set<(rule: RouteRule | undefined) => void>>();
  const store: RuleStore = {
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
  local.add(store);
  return store;
}
