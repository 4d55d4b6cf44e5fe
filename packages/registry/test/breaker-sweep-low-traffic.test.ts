// A client that keeps calling the instances it already has, and makes no new breaker, must still
// forget the breaker (and its interval timer) of an instance that went away, idleMs to about twice
// that after its last call (docs/resilience.md). Review found a sweep driven by call counts alone
// never came at low traffic.
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClientCall, compose, defineContract, type RpcRef } from '@wharf/core';
import { breakers } from '@wharf/registry';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { clientCall } from './helpers/client-call.js';

const dep = defineContract({ name: 'dep', version: '1.0.0', methods: { get: { input: z.object({}), output: z.object({}) } } });
const ref = dep.methods.get as unknown as RpcRef;
const callTo = (address: string): ClientCall => Object.assign(clientCall(ref), { address });

let open: ReturnType<typeof breakers> | undefined;
afterEach(() => open?.close());

describe('idle breakers under steady low traffic', () => {
  it('forgets the breaker of an address nobody called for more than 2 × idleMs', async () => {
    open = breakers({ rollingWindowMs: 50, resetTimeoutMs: 50 }); // idleMs 50
    const through = compose([open], () => Promise.resolve('ok'));
    await through(callTo('http://10.0.0.1:1')); // went away after this call
    await through(callTo('http://10.0.0.2:1'));
    expect(open.states().size).toBe(2);
    // The remaining instance is called 20 times over ~400 ms (8 × idleMs).
    for (let i = 0; i < 20; i++) {
      await sleep(20);
      await through(callTo('http://10.0.0.2:1'));
    }
    expect([...open.states().keys()]).toEqual(['dep.get @ http://10.0.0.2:1']);
  });
});
