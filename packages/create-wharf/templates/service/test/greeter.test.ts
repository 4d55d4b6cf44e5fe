import { type Context, On, Service } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import { greeter } from '../src/contract.js';
import { Greeter } from '../src/greeter.js';

describe('greeter', () => {
  it('greets, and counts the greeting once its event has been handled', async () => {
    const app = await createTestApp({ services: [new Greeter()] });
    const client = app.client(greeter);
    await expect(client.greet({ name: 'Ada' })).resolves.toEqual({ message: 'Hello, Ada!' });
    await app.settled(); // the greeted event has been delivered and handled
    expect(app.emittedOf(greeter.events.greeted).map((e) => e.payload)).toEqual([{ name: 'Ada' }]);
    await expect(client.stats({ name: 'Ada' })).resolves.toEqual({ greetings: 1 });
    await expect(client.greet({ name: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await app.stop();
  });
});

// A counter that trusts every delivery, for comparison with the one in src/greeter.ts.
@Service({ name: 'naive_stats', version: '1.0.0' })
class NaiveCounter {
  greetings = 0;
  @On(greeter.events.greeted)
  async count(_payload: { name: string }, _ctx: Context) {
    this.greetings += 1;
  }
}

describe('a greeted event delivered twice (at-least-once delivery)', () => {
  // Expected to fail: the naive counter counts the duplicate. `it.fails` passes only while it does.
  it.fails('is counted twice by a handler that is not idempotent', async () => {
    const naive = new NaiveCounter();
    const app = await createTestApp({ services: [new Greeter(), naive] });
    app.faults.duplicate(greeter.events.greeted.name);
    await app.client(greeter).greet({ name: 'Ada' });
    await app.settled();
    await app.stop();
    expect(naive.greetings).toBe(1);
  });

  it('is counted once by the idempotent greeter, redelivered or duplicated', async () => {
    const app = await createTestApp({ services: [new Greeter()] });
    app.faults.duplicate(greeter.events.greeted.name);
    app.faults.dropThenRedeliver(greeter.events.greeted.name, { afterHandling: true });
    await app.client(greeter).greet({ name: 'Ada' });
    await app.settled();
    expect(app.faults.injected.map((f) => f.kind)).toEqual(['duplicate', 'redeliver-after-handling']);
    await expect(app.client(greeter).stats({ name: 'Ada' })).resolves.toEqual({ greetings: 1 });
    await app.stop();
  });
});
