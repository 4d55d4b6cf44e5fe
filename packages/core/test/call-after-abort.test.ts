// A handler keeps running after its deadline answered its caller (or its caller went away), and may
// still call on. What that late call meets must say why: DEADLINE_EXCEEDED when the handler's
// deadline is why, CANCELLED when its caller left — whether or not anything could cancel the handler.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineContract, implement, type WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { cancelHook } from './cancel-hook.js';

const inner = defineContract({
  name: 'inner',
  version: 1,
  methods: { ping: { input: z.object({}), output: z.object({ ok: z.boolean() }) } },
});
const outer = defineContract({
  name: 'outer',
  version: 1,
  methods: { late: { input: z.object({ ms: z.int() }), output: z.object({ ok: z.boolean() }) } },
});

/** `outer.late` ignores its deadline, sleeps `ms`, then calls `inner.ping`: how that call ended. */
function services(codes: string[]) {
  const pong = implement(inner, { ping: async () => ({ ok: true }) });
  const late = implement(outer, {
    async late({ ms }, ctx) {
      await sleep(ms);
      try {
        return await ctx.client(inner).ping({});
      } catch (error) {
        codes.push((error as WharfError).code);
        throw error;
      }
    },
  });
  return [pong, late];
}

describe('a call made by a handler after it was aborted', () => {
  it('fails DEADLINE_EXCEEDED when the handler’s deadline passed and nothing could cancel it', async () => {
    const codes: string[] = [];
    const app = await createTestApp({ services: services(codes) });
    // In-process, no signal: the handler has a deadline but no caller that can cancel it.
    await expect(app.client(outer).late({ ms: 80 }, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect.poll(() => codes).toEqual(['DEADLINE_EXCEEDED']);
    await app.stop();
  });

  it('fails DEADLINE_EXCEEDED when the handler’s deadline passed and its transport could cancel it', async () => {
    const codes: string[] = [];
    const app = await createTestApp({ services: services(codes) });
    const endpoint = app.services[1]?.rpcs[0];
    if (endpoint === undefined) throw new Error('no endpoint');
    const { onCancel } = cancelHook(); // never cancels: only the deadline stops the handler
    const pending = app.dispatch(endpoint, { ms: 80 }, { transport: 'test', metadata: {}, deadline: Date.now() + 20, onCancel });
    await expect(pending).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect.poll(() => codes).toEqual(['DEADLINE_EXCEEDED']);
    await app.stop();
  });

  it('fails CANCELLED when the handler’s caller went away', async () => {
    const codes: string[] = [];
    const app = await createTestApp({ services: services(codes) });
    const endpoint = app.services[1]?.rpcs[0];
    if (endpoint === undefined) throw new Error('no endpoint');
    const hook = cancelHook();
    const pending = app.dispatch(
      endpoint,
      { ms: 50 },
      { transport: 'test', metadata: {}, deadline: Date.now() + 5_000, onCancel: hook.onCancel },
    );
    await sleep(10);
    hook.cancel();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => codes).toEqual(['CANCELLED']);
    await app.stop();
  });
});
