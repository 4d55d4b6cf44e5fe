// resilientClient runs in-flight tracking and the breaker in one reaction per call. These check
// that the fused step still does both: it counts calls in flight for power-of-two-choices, and it
// ejects an instance on its own failures even when the breaker's fallback answers for them — the
// half-open probe's too, which goes through opossum's fire() (review once found that one
// recorded as the instance's success, resetting its ejection back-off).
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, defineContract, type Transport, WharfError } from '@wharf/core';
import { createRegistry, type ResilientClientOptions, resilientClient, staticBackend } from '@wharf/registry';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const dep = defineContract({
  name: 'dep',
  version: '1.0.0',
  methods: { get: { input: z.object({}), output: z.object({ from: z.string() }) } },
});
const instance = (n: number) => ({ id: `dep-${n}`, service: 'dep', version: '1.0.0', address: `http://127.0.0.1:${n}` });

/** An app calling `dep` on `instances` through a transport that answers as `answer` says. */
async function client(
  answer: (address: string) => Promise<unknown>,
  options: Pick<ResilientClientOptions, 'breaker' | 'outliers'> = {},
  instances = [instance(1), instance(2)],
) {
  const calls: string[] = [];
  const transport: Transport = {
    name: 'http',
    call: (call) => {
      calls.push(call.address);
      return answer(call.address);
    },
  };
  const stack = resilientClient({
    registry: createRegistry(staticBackend({ instances })),
    retry: false,
    breaker: { volumeThreshold: 1_000, fallback: () => ({ from: 'fallback' }) },
    ...options,
  });
  const app = createApp({
    name: 'caller',
    transports: [transport],
    logger: { level: 'silent' },
    shutdown: { signals: false },
    ...stack,
  });
  await app.start();
  return { app, stack, calls, get: app.client(dep).get };
}

describe('tracking fused with the breaker', () => {
  it('counts a call in flight on its instance until it ends', async () => {
    let release: (() => void) | undefined;
    const { app, stack, calls, get } = await client(() => new Promise((resolve) => (release = () => resolve({ from: 'dep' }))));
    try {
      const pending = get({});
      await new Promise((resolve) => setImmediate(resolve));
      const address = calls[0] as string;
      expect(stack.stats.inFlight(address)).toBe(1);
      release?.();
      expect(await pending).toEqual({ from: 'dep' });
      expect(stack.stats.inFlight(address)).toBe(0);
    } finally {
      stack.breakers?.close();
      await app.stop();
    }
  });

  it('ejects an instance after five transient failures although the fallback answered each', async () => {
    const down = instance(1).address;
    const { app, stack, calls, get } = await client((address) =>
      address === down ? Promise.reject(new WharfError('UNAVAILABLE', 'down')) : Promise.resolve({ from: address }),
    );
    try {
      const answers = [];
      for (let i = 0; i < 200; i++) answers.push((await get({})).from);
      expect(calls.filter((a) => a === down)).toHaveLength(5);
      expect(answers.filter((a) => a === 'fallback')).toHaveLength(5);
      expect(stack.stats.isEjected(down, Date.now())).toBe(true);
    } finally {
      stack.breakers?.close();
      await app.stop();
    }
  });

  it('ejects an instance whose half-open probe failed, though the fallback answered it', async () => {
    const down = instance(1).address;
    const { app, stack, calls, get } = await client(
      () => Promise.reject(new WharfError('UNAVAILABLE', 'down')),
      {
        outliers: { consecutiveFailures: 2 },
        breaker: { volumeThreshold: 1, resetTimeoutMs: 100, fallback: () => ({ from: 'fallback' }) },
      },
      [instance(1)],
    );
    const state = () => [...(stack.breakers?.states().values() ?? [])][0];
    try {
      expect(await get({})).toEqual({ from: 'fallback' }); // failure 1, while closed
      expect(state()).toBe('open');
      await sleep(200);
      expect(state()).toBe('halfOpen');
      expect(await get({})).toEqual({ from: 'fallback' }); // the probe: failure 2
      expect(calls).toHaveLength(2);
      expect(state()).toBe('open');
      expect(stack.stats.isEjected(down, Date.now())).toBe(true);
    } finally {
      stack.breakers?.close();
      await app.stop();
    }
  });
});
