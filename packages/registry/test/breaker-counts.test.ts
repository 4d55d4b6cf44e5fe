// The breaker counts a closed breaker's successes without opossum's `fire()` (the costly part of
// it), and sends every failure through `fire()`. These check that the window opossum decides on
// still holds both, and what a call in flight meets when the breaker changes under it.
import { setTimeout as sleep } from 'node:timers/promises';
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

const ok = () => Promise.resolve('ok');
const unavailable = () => Promise.reject(new WharfError('UNAVAILABLE', 'down'));

let open: ReturnType<typeof breakers> | undefined;
afterEach(() => open?.close());

function made(options: Parameters<typeof breakers>[0]) {
  open = breakers(options);
  const middleware = open;
  const state = () => [...middleware.states().values()][0];
  const through = (terminal: () => Promise<unknown>) => compose([middleware], terminal)(call());
  return { state, through };
}

describe('breaker counting', () => {
  it('successes count in the window: 10 successes then 10 failures stay under 50 %, the 11th opens', async () => {
    const { state, through } = made({ volumeThreshold: 10, errorThresholdPercentage: 50 });
    for (let i = 0; i < 10; i++) await through(ok);
    for (let i = 0; i < 10; i++) await expect(through(unavailable)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(state()).toBe('closed'); // 10 of 20 failed: 50 %, not over it
    await expect(through(unavailable)).rejects.toMatchObject({ message: 'down' });
    expect(state()).toBe('open'); // 11 of 21
    await expect(through(ok)).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { breaker: expect.any(String) } });
  });

  it('business errors count as successes, not failures', async () => {
    const { state, through } = made({ volumeThreshold: 1 });
    const notFound = () => Promise.reject(new WharfError('NOT_FOUND', 'no such thing'));
    for (let i = 0; i < 5; i++) await expect(through(notFound)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(state()).toBe('closed');
  });

  it('a call that went out while closed and fails once the breaker is half-open answers its own error and does not re-open it', async () => {
    const { state, through } = made({ volumeThreshold: 1, resetTimeoutMs: 100 });
    let failLate: (error: unknown) => void = () => {};
    const late = through(() => new Promise((_, reject) => (failLate = reject)));
    // Two of the three calls sent (the late one counts as sent) fail: over 50 %.
    for (let i = 0; i < 2; i++) await expect(through(unavailable)).rejects.toMatchObject({ message: 'down' });
    expect(state()).toBe('open');
    await sleep(200);
    expect(state()).toBe('halfOpen');
    failLate(new WharfError('UNAVAILABLE', 'late'));
    await expect(late).rejects.toMatchObject({ message: 'late' });
    expect(state()).toBe('halfOpen'); // the probe is still to come
    await through(ok);
    expect(state()).toBe('closed');
  });

  it('with a fallback, a transient failure while closed, and a call while open, both answer the fallback', async () => {
    const { state, through } = made({ volumeThreshold: 1, fallback: (_call, error) => `fallback ${(error as WharfError).code}` });
    expect(await through(unavailable)).toBe('fallback UNAVAILABLE');
    expect(state()).toBe('open');
    expect(await through(ok)).toBe('fallback UNAVAILABLE');
  });
});
