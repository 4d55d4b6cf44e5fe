import { describe, expect, it } from 'vitest';
import { flakyClient, startFlaky } from './helpers/flaky.js';
import { until } from './helpers/until.js';

describe('retries', () => {
  it('retry budget: a dependency failing 100 % sees at most (1 + budget) × the calls made', async () => {
    const server = await startFlaky('down', 'unavailable');
    const ratio = 0.1;
    const calls = 1_000;
    const { app, client } = await flakyClient([server], {
      breaker: false,
      retry: { maxAttempts: 3, baseMs: 0, budget: { ratio, minPerWindow: 0 } },
    });
    try {
      let failed = 0;
      for (let i = 0; i < calls; i++) await client.read({}).catch(() => failed++);
      console.log(
        `retry budget ${ratio * 100} %: ${calls} calls, ${failed} failed, the dependency saw ${server.handled} (bound ${(1 + ratio) * calls}; without a budget it would be ${calls * 3})`,
      );
      expect(failed).toBe(calls);
      expect(server.handled).toBeGreaterThan(calls);
      expect(server.handled).toBeLessThanOrEqual((1 + ratio) * calls);
    } finally {
      await app.stop();
      await server.app.stop();
    }
  });

  it('retries idempotent methods on another instance; never a write that reached a handler', async () => {
    const bad = await startFlaky('bad', 'unavailable');
    const good = await startFlaky('good');
    // Outlier ejection off, so `bad` keeps getting first tries.
    const { app, client } = await flakyClient([bad, good], {
      breaker: false,
      outliers: { consecutiveFailures: Number.POSITIVE_INFINITY },
      retry: { budget: { ratio: 1 } },
    });
    try {
      for (let i = 0; i < 100; i++) expect(await client.read({})).toEqual({ from: 'good' });
      expect(bad.handled).toBeGreaterThan(10);
      bad.handled = 0;
      let writeFailures = 0;
      for (let i = 0; i < 100; i++) await client.write({}).catch(() => writeFailures++);
      // Each write that went to `bad` reached its handler: not retried, so exactly those fail.
      expect(writeFailures).toBeGreaterThan(0);
      expect(writeFailures).toBe(bad.handled);
    } finally {
      await app.stop();
      await Promise.all([bad.app.stop(), good.app.stop()]);
    }
  });

  it('ejects an instance after consecutive transient failures and probes it back in', async () => {
    const bad = await startFlaky('bad', 'unavailable');
    const good = await startFlaky('good');
    const { app, client } = await flakyClient([bad, good], {
      breaker: false,
      retry: false,
      outliers: { consecutiveFailures: 3, baseEjectionMs: 300 },
    });
    try {
      for (let i = 0; i < 200; i++) await client.write({}).catch(() => {});
      // Three failures eject it; with the calls this fast, it gets hardly any more.
      expect(bad.handled).toBeGreaterThanOrEqual(3);
      expect(bad.handled).toBeLessThan(10);
      bad.mode = 'ok';
      // Its ejection ends after 300 ms, doubled by each probe that failed while the loop above ran
      // (more of them on a busy machine): write until the probe reaches it rather than for a fixed
      // 700 ms, then it takes its share again.
      const ejected = bad.handled;
      await until(
        async () => {
          await client.write({});
          return bad.handled;
        },
        (handled) => handled > ejected,
        15_000,
        0,
      );
      const seen = bad.handled;
      for (let i = 0; i < 100; i++) await client.write({});
      expect(bad.handled - seen).toBeGreaterThan(20);
    } finally {
      await app.stop();
      await Promise.all([bad.app.stop(), good.app.stop()]);
    }
  });

  it('retries a write whose connection was refused (it never reached a handler), elsewhere', async () => {
    const gone = await startFlaky('gone');
    const good = await startFlaky('good');
    await gone.app.stop(); // its port now refuses connections
    const { app, client } = await flakyClient([gone, good], { breaker: false, retry: { budget: { ratio: 1 } } });
    try {
      for (let i = 0; i < 50; i++) expect(await client.write({})).toEqual({ from: 'good' });
    } finally {
      await app.stop();
      await good.app.stop();
    }
  });

  it('never retries past the deadline', async () => {
    const server = await startFlaky('slow-fail', 'unavailable');
    const { app, client } = await flakyClient([server], {
      breaker: false,
      retry: { maxAttempts: 50, baseMs: 40, capMs: 40, budget: { ratio: 100 } },
    });
    try {
      const started = Date.now();
      const error = await client.read({}, { timeoutMs: 100 }).catch((e: unknown) => e);
      const took = Date.now() - started;
      // The last retry's own failure, or the deadline itself if that try was still running.
      expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain((error as { code?: string }).code);
      // Answered at the deadline, give or take a busy machine's timer lag; retrying on past it
      // (50 attempts, 40 ms apart) would take 2 s and more.
      expect(took).toBeLessThan(400);
      expect(server.handled).toBeGreaterThan(1);
    } finally {
      await app.stop();
      await server.app.stop();
    }
  });

  it('a caller that cancels during a backoff is answered at once, not after the backoff', async () => {
    const server = await startFlaky('down', 'unavailable');
    // Backoffs up to 5 s: a cancellation 50 ms in must not wait for them.
    const { app, client } = await flakyClient([server], {
      breaker: false,
      retry: { maxAttempts: 5, baseMs: 5_000, capMs: 5_000, budget: { ratio: 1 } },
    });
    try {
      const tooLong: number[] = [];
      for (let i = 0; i < 5; i++) {
        const controller = new AbortController();
        const started = performance.now();
        setTimeout(() => controller.abort(), 50);
        await expect(client.read({}, { signal: controller.signal })).rejects.toMatchObject({ code: expect.any(String) });
        const took = performance.now() - started;
        if (took > 1_000) tooLong.push(Math.round(took));
      }
      expect(tooLong).toEqual([]);
    } finally {
      await app.stop();
      await server.app.stop();
    }
  });
});
