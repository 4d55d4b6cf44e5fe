// A call that went out while the breaker was closed and SUCCEEDS once it is half-open.
// opossum (and the previous middleware, which emitted `success`) closes a half-open breaker on any
// success it hears (circuit.js: `this.on('success', _ => { if (this.halfOpen) this.close(); })`),
// and announces `closed`; the breaker counts through the window's `increment`, which skips that
// listener, so it closes the breaker itself.
import { setTimeout as sleep } from 'node:timers/promises';
import { compose, defineContract, type RpcRef, WharfError } from '@wharf/core';
import { type BreakerState, breakers } from '@wharf/registry';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { clientCall } from './helpers/client-call.js';

const dep = defineContract({ name: 'dep', version: '1.0.0', methods: { get: { input: z.object({}), output: z.object({}) } } });
const ref = dep.methods.get as unknown as RpcRef;

let open: ReturnType<typeof breakers> | undefined;
afterEach(() => open?.close());

describe('a stale success while half-open', () => {
  it('closes the half-open breaker and announces it, as opossum does', async () => {
    open = breakers({ volumeThreshold: 1, resetTimeoutMs: 100 });
    const middleware = open;
    const heard: BreakerState[] = [];
    middleware.events.on((change) => heard.push(change.state));
    const state = () => [...middleware.states().values()][0];
    const through = (terminal: () => Promise<unknown>) => compose([middleware], terminal)(clientCall(ref));
    let succeedLate: (value: unknown) => void = () => {};
    const late = through(() => new Promise((resolve) => (succeedLate = resolve)));
    for (let i = 0; i < 2; i++) {
      await expect(through(() => Promise.reject(new WharfError('UNAVAILABLE', 'down')))).rejects.toMatchObject({
        message: 'down',
      });
    }
    expect(state()).toBe('open');
    await sleep(200);
    expect(state()).toBe('halfOpen');
    succeedLate('ok');
    expect(await late).toBe('ok');
    expect(state()).toBe('closed');
    expect(heard).toEqual(['open', 'halfOpen', 'closed']);
  });
});
