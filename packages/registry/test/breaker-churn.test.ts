// Instances come and go (every deploy brings new addresses): the breakers of addresses nobody
// calls any more must go too — each opossum breaker keeps an interval timer ticking every
// rolling-window bucket, so keeping them all grows memory and timers with every address ever seen.
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { flakyClient, startFlaky } from './helpers/flaky.js';

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('breakers under instance churn', () => {
  it('the breaker of an address not called for a while is shut down and forgotten', async () => {
    const live = await startFlaky('live');
    const { app, stack, client } = await flakyClient([live], {
      retry: false,
      breaker: { rollingWindowMs: 1_000, resetTimeoutMs: 1_000 },
    });
    try {
      // 40 instances that were there once (their ports now refuse), each called once.
      for (let k = 0; k < 40; k++) {
        await client.write({}, { address: `http://127.0.0.1:${await closedPort()}` }).catch(() => {});
      }
      expect(stack.breakers?.states().size).toBe(40);
      await sleep(2_200); // longer than the rolling window and the reset time
      expect(await client.write({})).toEqual({ from: 'live' });
      expect(stack.breakers?.states().size).toBe(1); // the live instance's only
    } finally {
      stack.breakers?.close();
      await app.stop();
      await live.app.stop();
    }
  });
});
