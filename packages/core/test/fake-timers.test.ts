// Its own file, so that the app's first call happens under fake timers in a fresh module graph.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { expect, it, vi } from 'vitest';
import * as z from 'zod';

const timed = defineContract({
  name: 'timed',
  version: 1,
  methods: {
    echo: { input: z.object({}), output: z.object({}) },
    nap: { input: z.object({ ms: z.int() }), output: z.object({}) },
  },
});
const service = implement(timed, {
  echo: async () => ({}),
  // Never looks at its context: only the dispatcher's sweep can end it early.
  nap: async ({ ms }) => {
    await sleep(ms);
    return {};
  },
});

it('a test that fakes timers around its first calls leaves deadlines working once they are real again', async () => {
  vi.useFakeTimers();
  const app = await createTestApp({ services: [service], shutdown: { timeoutMs: 2_000 } });
  try {
    await app.client(timed).echo({});
    vi.useRealTimers();
    const started = Date.now();
    await expect(app.client(timed).nap({ ms: 1_000 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(600);
  } finally {
    vi.useRealTimers();
    await app.stop();
  }
});
