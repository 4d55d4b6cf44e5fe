import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, defineContract, implement, memoryRegistry, WharfError } from '@wharf/core';
import { tcpTransport } from '@wharf/example-custom-transport';
import { Greeter, greeter } from '@wharf/example-greeter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

const quiet = { logger: { level: 'silent' as const }, shutdown: { signals: false as const } };
const registry = memoryRegistry();
const server = createApp({ name: 'greeter', services: [new Greeter()], transports: [tcpTransport()], registry, ...quiet });
const caller = createApp({ name: 'caller', transports: [tcpTransport()], registry, ...quiet });

beforeAll(() => server.start());
afterAll(async () => {
  await caller.stop();
  await server.stop();
});

describe('the example TCP transport (docs/writing-a-transport.md)', () => {
  it('serves the greeter unchanged, found through the registry', async () => {
    expect(server.addresses.find((a) => a.startsWith('tcp://'))).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    await expect(caller.client(greeter).greet({ name: 'Ada', language: 'es' })).resolves.toEqual({ message: 'Hola, Ada!' });
  });

  it('carries typed errors and validation failures', async () => {
    const error = await caller
      .client(greeter)
      .language({ code: 'xx' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WharfError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', details: { code: 'xx' } });
    await expect(caller.client(greeter).greet({ name: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('answers UNIMPLEMENTED for a stream it cannot carry', async () => {
    const consume = async () => {
      for await (const _ of caller.client(greeter).countdown({ from: 1 })) {
        // unreachable
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
  });

  it('answers a call still running at the drain cut-off with UNAVAILABLE, then closes', async () => {
    const slow = defineContract({
      name: 'slowpoke',
      version: 1,
      methods: { nap: { input: z.object({ ms: z.int() }), output: z.object({}) } },
    });
    let started = false;
    const napper = implement(slow, {
      // Ignores ctx.signal: only the cut-off ends it.
      async nap({ ms }) {
        started = true;
        await sleep(ms);
        return {};
      },
    });
    const shared = memoryRegistry();
    const options = { logger: { level: 'silent' as const }, registry: shared };
    const napping = createApp({
      name: 'napper',
      services: [napper],
      transports: [tcpTransport()],
      ...options,
      shutdown: { signals: false, timeoutMs: 200 },
    });
    const calling = createApp({ name: 'calling', transports: [tcpTransport()], ...options, shutdown: { signals: false } });
    await napping.start();
    await calling.start();
    const call = calling
      .client(slow)
      .nap({ ms: 3_000 })
      .catch((e: unknown) => e);
    await expect.poll(() => started).toBe(true);
    await napping.stop();
    expect(await call).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('shutting down') });
    await calling.stop();
  });

  it('is the code the guide shows, verbatim', () => {
    const source = readFileSync(new URL('../src/tcp-transport.ts', import.meta.url), 'utf8');
    const guide = readFileSync(new URL('../../../docs/writing-a-transport.md', import.meta.url), 'utf8');
    expect(guide).toContain(source.trim());
  });
});
