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
      // A window longer than the 40 calls below take on a loaded machine (at 1 s, CI once swept
      // the first breaker before the last was made).
      breaker: { rollingWindowMs: 3_000, resetTimeoutMs: 3_000 },
    });
    try {
      // 40 instances that were there once (their ports now refuse), each called once.
      // The system may hand out a freed port twice: count the addresses, not the calls.
      const addresses = new Set<string>();
      for (let k = 0; k < 40; k++) {
        const address = `http://127.0.0.1:${await closedPort()}`;
        addresses.add(address);
        await client.write({}, { address }).catch(() => {});
      }
      expect(stack.breakers?.states().size).toBe(addresses.size);
      expect(addresses.size).toBeGreaterThan(30);
      await sleep(6_200); // well past the rolling window and the reset time
      expect(await client.write({})).toEqual({ from: 'live' });
      expect(stack.breakers?.states().size).toBe(1); // the live instance's only
    } finally {
      stack.breakers?.close();
      await app.stop();
      await live.app.stop();
    }
  });
});
