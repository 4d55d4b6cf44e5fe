// The rules of the fault-injecting test transport: which message gets which fault, consumed as
// they fire, and a record of every fault injected.

import { matchTopic } from '../topic.js';
import type { OutboundEvent } from '../transport.js';

/** Which events (a topic pattern: `orders.*`, `#`) or methods (`service.method`, or a pattern) a rule applies to; all when omitted. */
export type Selector = string | ((name: string) => boolean);

/** One fault injected, for assertions and for reading a failed test's story. */
export interface FaultRecord {
  readonly kind: string;
  /** The event or method it hit. */
  readonly name?: string;
  /** The event's id. */
  readonly id?: string;
}

type Rule =
  | { kind: 'duplicate'; selector: Selector | undefined; times: number; copies: number }
  | { kind: 'delay'; selector: Selector | undefined; times: number; delayMs: number }
  | { kind: 'drop-then-redeliver' | 'redeliver-after-handling'; selector: Selector | undefined; times: number; delayMs: number }
  | { kind: 'duplicate-call' | 'lose-reply'; selector: Selector | undefined; times: number };

/** One delivery of an event to a handler: its attempt number, a delay, and whether it waits for the previous one to be handled. */
export interface DeliveryStep {
  readonly attempt: number;
  readonly delayMs: number;
  readonly afterPrevious: boolean;
}

const matches = (selector: Selector | undefined, name: string) =>
  selector === undefined || (typeof selector === 'function' ? selector(name) : selector === name || matchTopic(selector, name));

export class EventFaults {
  #rules: Rule[] = [];
  #holds: { selector: Selector | undefined; count: number; held: OutboundEvent[] }[] = [];
  readonly injected: FaultRecord[] = [];

  add(rule: Rule): void {
    if (!(rule.times > 0)) throw new RangeError(`times must be positive, got ${rule.times}`);
    this.#rules.push(rule);
  }

  addHold(selector: Selector | undefined, count: number): void {
    if (!(count >= 2)) throw new RangeError(`reorder needs a count of at least 2, got ${count}`);
    this.#holds.push({ selector, count, held: [] });
  }

  record(fault: FaultRecord): void {
    this.injected.push(fault);
  }

  clear(): void {
    this.#rules = [];
    this.#holds = [];
  }

  /** The next matching rule of these kinds, with one of its times used up. */
  #take(name: string, kinds: readonly Rule['kind'][]): Rule | undefined {
    const index = this.#rules.findIndex((r) => kinds.includes(r.kind) && matches(r.selector, name));
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    rule.times -= 1;
    if (rule.times <= 0) this.#rules.splice(index, 1);
    return rule;
  }

  /** The fault for one call, if a rule matches. */
  callFault(method: string): 'duplicate' | 'lose-reply' | undefined {
    const rule = this.#take(method, ['duplicate-call', 'lose-reply']);
    if (rule === undefined) return undefined;
    const fault = rule.kind === 'duplicate-call' ? 'duplicate' : 'lose-reply';
    this.record({ kind: rule.kind, name: method });
    return fault;
  }

  /** How one event is delivered to each handler: one step without faults; every matching rule applied in turn. */
  plan(event: OutboundEvent): DeliveryStep[] {
    let steps: DeliveryStep[] = [{ attempt: 1, delayMs: 0, afterPrevious: false }];
    const seen = new Set<Rule['kind']>();
    for (;;) {
      const kinds = (['duplicate', 'delay', 'drop-then-redeliver', 'redeliver-after-handling'] as const).filter(
        (k) => !seen.has(k),
      );
      const rule = this.#take(event.name, kinds);
      if (rule === undefined) return steps;
      seen.add(rule.kind);
      this.record({ kind: rule.kind, name: event.name, id: event.id });
      if (rule.kind === 'duplicate') steps = steps.flatMap((s) => Array.from({ length: rule.copies }, () => s));
      else if (rule.kind === 'delay') steps = steps.map((s) => ({ ...s, delayMs: s.delayMs + rule.delayMs }));
      else if (rule.kind === 'drop-then-redeliver')
        steps = steps.map((s) => ({ ...s, attempt: s.attempt + 1, delayMs: s.delayMs + rule.delayMs }));
      else if (rule.kind === 'redeliver-after-handling') {
        steps = steps.flatMap((s) => [s, { attempt: s.attempt + 1, delayMs: rule.delayMs, afterPrevious: true }]);
      }
    }
  }

  /** The events to deliver now: this one, or none while a reorder rule collects, or the collected ones reversed. */
  hold(event: OutboundEvent): OutboundEvent[] {
    const hold = this.#holds.find((h) => matches(h.selector, event.name));
    if (hold === undefined) return [event];
    hold.held.push(event);
    if (hold.held.length < hold.count) return [];
    this.#holds.splice(this.#holds.indexOf(hold), 1);
    for (const e of hold.held) this.record({ kind: 'reorder', name: e.name, id: e.id });
    return hold.held.reverse();
  }

  /** Every held event, reversed per rule, and the reorder rules that held them removed. */
  release(): OutboundEvent[] {
    const released = this.#holds.filter((h) => h.held.length > 0);
    this.#holds = this.#holds.filter((h) => h.held.length === 0);
    return released.flatMap((h) => {
      for (const e of h.held) this.record({ kind: 'reorder', name: e.name, id: e.id });
      return h.held.reverse();
    });
  }

  holding(): boolean {
    return this.#holds.some((h) => h.held.length > 0);
  }
}
