import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BreakerStateChange } from '@wharf/registry';
import { afterAll, describe, expect, it } from 'vitest';
import { flakyClient, startFlaky } from './helpers/flaky.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? Number.NaN;

describe('circuit breaker (opossum, per endpoint and instance)', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('sheds ≥ 99 % of calls while open, fails fast under 1 ms, recovers within reset + 1 s, names itself', async () => {
    const server = await startFlaky('dependency', 'unavailable');
    const resetTimeoutMs = 1_000;
    const { app, stack, client } = await flakyClient([server], { retry: false, breaker: { resetTimeoutMs } });
    stops.push(
      () => server.app.stop(),
      () => app.stop(),
      async () => stack.breakers?.close(),
    );
    const changes: BreakerStateChange[] = [];
    stack.breakers?.events.on((change) => changes.push(change));

    // Until it opens: the volume threshold (10) must be reached first.
    let beforeOpen = 0;
    while (!changes.some((c) => c.state === 'open')) {
      await client.write({}).catch(() => {});
      beforeOpen++;
      expect(beforeOpen).toBeLessThan(50);
    }
    expect(beforeOpen).toBeGreaterThanOrEqual(10);

    const calls = 2_000;
    const reachedBefore = server.handled;
    const latencies: number[] = [];
    let shed = 0;
    let message = '';
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      try {
        await client.write({});
      } catch (error) {
        latencies.push(performance.now() - started);
        if ((error as Error).message.includes('Circuit breaker')) {
          shed++;
          message = (error as Error).message;
          expect((error as { code?: string }).code).toBe('UNAVAILABLE');
        }
      }
    }
    const reached = server.handled - reachedBefore;
    console.log(
      `breaker: opened after ${beforeOpen} calls; while open ${shed}/${calls} shed (${((shed / calls) * 100).toFixed(2)} %), ${reached} reached the dependency; fail-fast median ${median(latencies).toFixed(3)} ms, p99 ${p99(latencies).toFixed(3)} ms`,
    );
    expect(shed / calls).toBeGreaterThanOrEqual(0.99);
    expect(median(latencies)).toBeLessThan(1);
    expect(message).toContain(`flaky.write @ ${server.address}`);

    // Heal the dependency: the next half-open probe closes the breaker.
    server.mode = 'ok';
    const healed = performance.now();
    let recoveredAfter = Number.POSITIVE_INFINITY;
    while (performance.now() - healed < resetTimeoutMs + 2_000) {
      try {
        await client.write({});
        recoveredAfter = performance.now() - healed;
        break;
      } catch {
        await sleep(20);
      }
    }
    console.log(`breaker: recovered ${recoveredAfter.toFixed(0)} ms after the dependency healed (reset ${resetTimeoutMs} ms)`);
    expect(recoveredAfter).toBeLessThanOrEqual(resetTimeoutMs + 1_000);
    expect(changes.map((c) => c.state)).toEqual(expect.arrayContaining(['open', 'halfOpen', 'closed']));
    expect(changes[0]).toMatchObject({ service: 'flaky', method: 'write', address: server.address });
  });

  it('business errors never open it', async () => {
    const server = await startFlaky('business', 'not-found');
    const { app, stack, client } = await flakyClient([server], { retry: false });
    stops.push(
      () => server.app.stop(),
      () => app.stop(),
      async () => stack.breakers?.close(),
    );
    for (let i = 0; i < 200; i++) await expect(client.write({})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(server.handled).toBe(200);
    expect([...(stack.breakers?.states().values() ?? [])]).toEqual(['closed']);
  });

  it('an optional fallback answers instead, while open', async () => {
    const server = await startFlaky('fallback', 'unavailable');
    const { app, stack, client } = await flakyClient([server], {
      retry: false,
      breaker: { fallback: (_call, error) => ({ from: `fallback (${(error as { code?: string }).code})` }) },
    });
    stops.push(
      () => server.app.stop(),
      () => app.stop(),
      async () => stack.breakers?.close(),
    );
    const answers = new Set<string>();
    for (let i = 0; i < 30; i++) answers.add((await client.write({})).from);
    expect(answers).toEqual(new Set(['fallback (UNAVAILABLE)']));
    expect(server.handled).toBeLessThan(30);
  });
});
