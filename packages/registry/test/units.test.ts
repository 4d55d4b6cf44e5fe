import { type RpcCall, type ServiceInstance, WharfError } from '@wharf/core';
import {
  InstanceStats,
  isTransient,
  neverReachedHandler,
  parseStaticList,
  powerOfTwo,
  RetryBudget,
  releaseMatches,
  route,
  routeBalancer,
  TRIED,
  weighted,
} from '@wharf/registry';
import { describe, expect, it, vi } from 'vitest';

const at = (n: number, release = '1', weight?: number): ServiceInstance => ({
  id: `i${n}`,
  service: 's',
  version: `${release}.0.0`,
  address: `http://h:${n}`,
  metadata: { instance: `app-${n}`, release, ...(weight === undefined ? {} : { weight: String(weight) }) },
});
const call = (locals: Record<string, unknown> = {}) => ({ service: 's', locals }) as unknown as RpcCall;
const tally = (pick: () => ServiceInstance | undefined, n: number) => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const address = pick()?.address ?? 'none';
    counts[address] = (counts[address] ?? 0) + 1;
  }
  return counts;
};

describe('balancers', () => {
  it('power of two choices avoids the instance with more calls in flight', () => {
    const stats = new InstanceStats();
    const instances = [at(1), at(2), at(3)];
    for (let i = 0; i < 5; i++) stats.begin('http://h:1');
    const counts = tally(() => powerOfTwo(stats).pick(instances, call()), 3_000);
    // Two distinct draws: any pair with instance 1 has a less busy other, so it is never chosen.
    expect(counts['http://h:1'] ?? 0).toBe(0);
    expect(counts['http://h:2']).toBeGreaterThan(1_000);
  });

  it('weighted follows metadata.weight', () => {
    const counts = tally(() => weighted().pick([at(1, '1', 3), at(2, '1', 1)], call()), 8_000);
    expect((counts['http://h:1'] ?? 0) / 8_000).toBeCloseTo(0.75, 1);
  });
});

describe('routing rules', () => {
  it('splits by release weight, drops drained instances, ignores a rule that would leave nothing', () => {
    const instances = [at(1, '1'), at(2, '2'), at(3, '2.1')];
    expect(route(instances, { weights: { '2': 1 } }).all.map((i) => i.id)).toEqual(['i2', 'i3']);
    expect(route(instances, { weights: { '1': 90, '2': 10 } }).total).toBe(100);
    expect(route(instances, { drained: ['app-2'] }).all.map((i) => i.id)).toEqual(['i1', 'i3']);
    expect(route(instances, { weights: { '3': 100 } }).all).toHaveLength(3);
    expect(releaseMatches('2', '2.1.0')).toBe(true);
    expect(releaseMatches('2', '20.1')).toBe(false);
  });

  it('a retry goes to an untried instance the rule allows, ejected ones are skipped', () => {
    const stats = new InstanceStats({ consecutiveFailures: 1 });
    let rule = { weights: { '2': 100 } } as { weights: Record<string, number> } | undefined;
    const balancer = routeBalancer({ ruleOf: () => rule, stats, choose: powerOfTwo(stats) });
    const instances = [at(1, '1'), at(2, '2'), at(3, '2')];
    const retried = tally(() => balancer.pick(instances, call({ [TRIED]: new Set(['http://h:2']) })), 200);
    expect(retried).toEqual({ 'http://h:3': 200 });
    const allTried = tally(() => balancer.pick(instances, call({ [TRIED]: new Set(['http://h:2', 'http://h:3']) })), 200);
    expect(Object.keys(allTried).sort()).toEqual(['http://h:2', 'http://h:3']);
    stats.begin('http://h:3');
    stats.end('http://h:3', new WharfError('UNAVAILABLE', 'down'));
    expect(tally(() => balancer.pick(instances, call()), 200)).toEqual({ 'http://h:2': 200 });
    rule = undefined;
    expect(Object.keys(tally(() => balancer.pick(instances, call()), 300)).sort()).toEqual(['http://h:1', 'http://h:2']);
  });
});

describe('retry budget', () => {
  it('allows retries up to the ratio of calls in the window, then frees them as the window slides', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const budget = new RetryBudget({ ratio: 0.1, windowMs: 10_000, minPerWindow: 0 });
      for (let i = 0; i < 100; i++) budget.recordCall();
      let granted = 0;
      while (budget.tryRetry()) granted++;
      expect(granted).toBe(10);
      vi.advanceTimersByTime(11_000);
      expect(budget.tryRetry()).toBe(false);
      for (let i = 0; i < 20; i++) budget.recordCall();
      expect(budget.tryRetry()).toBe(true);
      // By default a quiet client still has 10 retries per window.
      const quiet = new RetryBudget();
      quiet.recordCall();
      let floor = 0;
      while (quiet.tryRetry()) floor++;
      expect(floor).toBe(10);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('retry budget batching', () => {
  it('counts every call before a retry is weighed, though it reads the clock once per batch', () => {
    const budget = new RetryBudget({ ratio: 0.1, minPerWindow: 0 });
    for (let i = 0; i < 9; i++) budget.recordCall();
    expect(budget.tryRetry()).toBe(false); // 9 calls allow 0.9 retries
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true); // the tenth, still in its batch, makes one
    expect(budget.tryRetry()).toBe(false);
  });
});

describe('what counts', () => {
  it('transient codes, and failures that never reached a handler', () => {
    expect(isTransient(new WharfError('UNAVAILABLE', 'x'))).toBe(true);
    expect(isTransient(new WharfError('NOT_FOUND', 'x'))).toBe(false);
    expect(isTransient(new WharfError('INVALID_ARGUMENT', 'x'))).toBe(false);
    expect(neverReachedHandler(new WharfError('UNAVAILABLE', 'Cannot reach http://h:1 (ECONNREFUSED)'))).toBe(true);
    expect(neverReachedHandler(new WharfError('RESOURCE_EXHAUSTED', 'full', { handlerRan: false }))).toBe(true);
    expect(neverReachedHandler(new WharfError('UNAVAILABLE', 'read ECONNRESET'))).toBe(false);
  });

  it("with the call, only failures of the call's own hop count (not a dependency's, rethrown by a handler)", () => {
    const call = { ref: { fullName: 'orders.place', service: 'orders', major: 1 }, address: 'http://h:1' } as unknown as RpcCall;
    const ran = (message: string, details?: Record<string, unknown>) =>
      neverReachedHandler(new WharfError('UNAVAILABLE', message, details), call);
    expect(ran('Cannot reach http://h:1 (ECONNREFUSED)')).toBe(true);
    expect(ran('Cannot reach http://db:5 (ECONNREFUSED)')).toBe(false);
    expect(ran('No instance of orders v1 is reachable over http')).toBe(true);
    expect(ran('No instance of payments v1 is reachable over http')).toBe(false);
    expect(ran('open', { breaker: 'orders.place @ http://h:1', handlerRan: false })).toBe(true);
    expect(ran('open', { breaker: 'payments.charge @ http://p:2', handlerRan: false })).toBe(false);
    expect(ran('full', { bulkhead: 'orders.place', handlerRan: false })).toBe(true);
    expect(ran('full', { bulkhead: 'payments.charge', handlerRan: false })).toBe(false);
  });

  it('the static list format, and a clear error for a bad entry', () => {
    expect(parseStaticList('greeter@1.2.0=http://a:1,grpc://a:2; billing=http://b:3')).toEqual([
      { id: 'static:greeter:http://a:1', service: 'greeter', version: '1.2.0', address: 'http://a:1' },
      { id: 'static:greeter:grpc://a:2', service: 'greeter', version: '1.2.0', address: 'grpc://a:2' },
      { id: 'static:billing:http://b:3', service: 'billing', version: '1.0.0', address: 'http://b:3' },
    ]);
    expect(() => parseStaticList('greeter=a:1')).toThrow('"a:1" (for greeter) is not an address; write scheme://host:port');
    expect(() => parseStaticList('=http://a:1')).toThrow('write service[@version]=address');
  });
});
