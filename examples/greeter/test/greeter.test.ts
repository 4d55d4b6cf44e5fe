import { setTimeout as sleep } from 'node:timers/promises';
import { WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import { Greeter } from '../src/greeter.js';
import { greeter } from '../src/index.js';

describe('greeter (in process)', () => {
  it('greets, in the requested language, and emits greeter.greeted', async () => {
    const app = await createTestApp({ services: [new Greeter()] });
    const client = app.client(greeter);
    await expect(client.greet({ name: 'Ada' })).resolves.toEqual({ message: 'Hello, Ada!' });
    await expect(client.greet({ name: 'Ada', language: 'fr' })).resolves.toEqual({ message: 'Bonjour, Ada!' });
    expect(app.emitted.map((e) => [e.name, (e.payload as { language: string }).language])).toEqual([
      ['greeter.greeted', 'en'],
      ['greeter.greeted', 'fr'],
    ]);
    await sleep(10);
    await expect(client.stats({})).resolves.toEqual({ greeted: 2 });
    await app.stop();
  });

  it('answers NOT_FOUND for an unknown language and INVALID_ARGUMENT for a name over 64 characters', async () => {
    const app = await createTestApp({ services: [new Greeter()] });
    const client = app.client(greeter);
    const notFound = await client.language({ code: 'xx' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(WharfError);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'language', code: 'xx' } });
    await expect(client.greet({ name: 'x'.repeat(65) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { fieldViolations: [{ field: 'name' }] },
    });
    await expect(client.language({ code: 'ja' })).resolves.toEqual({ code: 'ja', name: 'Japanese', greeting: 'Konnichiwa' });
    await app.stop();
  });

  it('streams a countdown', async () => {
    const app = await createTestApp({ services: [new Greeter()] });
    const seen: number[] = [];
    for await (const { n } of app.client(greeter).countdown({ from: 3, intervalMs: 1 })) seen.push(n);
    expect(seen).toEqual([3, 2, 1, 0]);
    await app.stop();
  });
});
