// An instance's failure answered by the breaker's fallback counts toward ejecting it
// (tracked-breaker.ts), for the half-open probe too: it goes through opossum's fire(), which
// answers the fallback as a success; review found that recorded as the instance's success,
// resetting its consecutive failures and its ejection back-off.
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, defineContract, type Transport, WharfError } from '@wharf/core';
import { createRegistry, resilientClient, staticBackend } from '@wharf/registry';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const dep = defineContract({
  name: 'dep',
  version: '1.0.0',
  methods: { get: { input: z.object({}), output: z.object({ from: z.string() }) } },
});
const address = 'http://127.0.0.1:1';

describe('a failed half-open probe answered by the fallback', () => {
  it('counts toward ejecting the instance, as a failure answered by the fallback while closed does', async () => {
    let sent = 0;
    const transport: Transport = {
      name: 'http',
      call: () => {
        sent++;
        return Promise.reject(new WharfError('UNAVAILABLE', 'down'));
      },
    };
    const stack = resilientClient({
      registry: createRegistry(staticBackend({ instances: [{ id: 'dep-1', service: 'dep', version: '1.0.0', address }] })),
      retry: false,
      outliers: { consecutiveFailures: 2 },
      breaker: { volumeThreshold: 1, resetTimeoutMs: 100, fallback: () => ({ from: 'fallback' }) },
    });
    const app = createApp({
      name: 'caller',
      transports: [transport],
      logger: { level: 'silent' },
      shutdown: { signals: false },
      ...stack,
    });
    await app.start();
    const get = app.client(dep).get;
    const state = () => [...(stack.breakers?.states().values() ?? [])][0];
    try {
      expect(await get({})).toEqual({ from: 'fallback' }); // failure 1 (closed): counted
      expect(state()).toBe('open');
      await sleep(200);
      expect(state()).toBe('halfOpen');
      expect(await get({})).toEqual({ from: 'fallback' }); // the probe: failure 2 of the instance
      expect(sent).toBe(2);
      expect(state()).toBe('open');
      expect(stack.stats.isEjected(address, Date.now())).toBe(true);
    } finally {
      stack.breakers?.close();
      await app.stop();
    }
  });
});
