// opossum counts a call in its window when the call starts (`fire`), not when it ends: the error
// rate it opens on is "failures among calls sent", slow calls still out included. Counting the
// closed breaker's calls only as they end over-weights fast failures against slow successes still
// in flight, so a minority of failures would open the breaker.
import { compose, defineContract, type RpcRef, WharfError } from '@wharf/core';
import { breakers } from '@wharf/registry';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { clientCall } from './helpers/client-call.js';

const dep = defineContract({
  name: 'dep',
  version: '1.0.0',
  methods: { get: { input: z.object({}), output: z.object({}) } },
});
const ref = dep.methods.get as unknown as RpcRef;
const call = () => clientCall(ref);

let open: ReturnType<typeof breakers> | undefined;
afterEach(() => open?.close());

describe('calls in flight in the breaker window', () => {
  it('30 slow successes still out and 10 fast failures (25 %) do not open a 50 % breaker', async () => {
    open = breakers({ volumeThreshold: 10, errorThresholdPercentage: 50 });
    const through = compose([open], () => Promise.reject(new WharfError('UNAVAILABLE', 'down')));
    const slow = compose([open], () => new Promise((resolve) => release.push(() => resolve('ok'))));
    const release: (() => void)[] = [];
    const pending = Array.from({ length: 30 }, () => slow(call()));
    for (let i = 0; i < 10; i++) await expect(through(call())).rejects.toMatchObject({ message: 'down' });
    expect([...open.states().values()]).toEqual(['closed']);
    for (const done of release) done();
    expect(await Promise.all(pending)).toHaveLength(30);
    expect([...open.states().values()]).toEqual(['closed']);
  });

  it('6 of 10 concurrent calls failing first (60 %) open a 50 % breaker with a volume threshold of 10', async () => {
    open = breakers({ volumeThreshold: 10, errorThresholdPercentage: 50 });
    const fail: (() => void)[] = [];
    const succeed: (() => void)[] = [];
    const slow = compose([open], () => new Promise((resolve) => succeed.push(() => resolve('ok'))));
    const failing = compose(
      [open],
      () => new Promise((_, reject) => fail.push(() => reject(new WharfError('UNAVAILABLE', 'down')))),
    );
    const failures = Array.from({ length: 6 }, () => failing(call()));
    const successes = Array.from({ length: 4 }, () => slow(call()));
    for (const settle of fail) settle();
    await Promise.allSettled(failures);
    expect([...open.states().values()]).toEqual(['open']); // 6 of the 10 sent failed
    for (const settle of succeed) settle();
    await Promise.all(successes);
  });
});
