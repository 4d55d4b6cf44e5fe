// The budget reads the clock once per 16 calls. Calls made windows ago must not pay for retries
// now ("retries stay under ratio × calls over a sliding window", docs/resilience.md): review found
// a batch counted when it was flushed, as if its calls had just been made.
import { setTimeout as sleep } from 'node:timers/promises';
import { RetryBudget } from '@wharf/registry';
import { describe, expect, it } from 'vitest';

describe('retry budget batching, stale calls', () => {
  it('calls made windows ago do not pay for retries now', async () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerWindow: 0, windowMs: 100 });
    for (let i = 0; i < 15; i++) budget.recordCall(); // succeeded, long ago
    await sleep(350); // three windows later
    budget.recordCall(); // this call fails
    let allowed = 0;
    while (budget.tryRetry() && allowed < 100) allowed++;
    expect(allowed).toBe(0); // one call in the window: 0.5 retries
  });
});
