// The half-open probe decides whether an instance is back. A probe its caller cancelled (a browser
// tab closed at the gateway) says nothing about the instance, so it must not close the breaker and
// let every call through to an instance that may still hang.
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, defineContract, implement, WharfError } from '@wharf/core';
import { createRegistry, resilientClient, staticBackend } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const dep = defineContract({
  name: 'dep',
  version: '1.0.0',
  methods: { get: { idempotent: true, input: z.object({}), output: z.object({ ok: z.boolean() }) } },
});

const quiet = {
  logger: { level: 'silent' as const },
  requestLog: false as const,
  shutdown: { signals: false as const, timeoutMs: 500 },
};

describe('breaker half-open probe', () => {
  it('a probe cancelled by its caller re-opens the breaker instead of closing it', async () => {
    let mode: 'fail' | 'hang' = 'fail';
    const server = createApp({
      name: 'dep',
      services: [
        implement(dep, {
          async get(_input, ctx) {
            if (mode === 'fail') throw new WharfError('UNAVAILABLE', 'broken');
            await sleep(2_000, undefined, { signal: ctx.signal }).catch(() => {});
            return { ok: true };
          },
        }),
      ],
      transports: [httpTransport({ port: 0, host: '127.0.0.1' })],
      ...quiet,
    });
    await server.start();
    const address = server.addresses.find((a) => a.startsWith('http://')) as string;
    const stack = resilientClient({
      registry: createRegistry(staticBackend({ instances: [{ id: 'dep-0', service: 'dep', version: '1.0.0', address }] })),
      retry: false,
      breaker: { volumeThreshold: 1, resetTimeoutMs: 300 },
    });
    const app = createApp({ name: 'caller', transports: [httpTransport()], ...stack, ...quiet });
    await app.start();
    const client = app.client(dep);
    const state = () => [...(stack.breakers?.states().values() ?? [])][0];
    try {
      await client.get({}).catch(() => {});
      await client.get({}).catch(() => {});
      expect(state()).toBe('open');
      mode = 'hang';
      await sleep(450); // past the reset time: half-open
      expect(state()).toBe('halfOpen');
      const probe = client.get({}, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
      expect(((await probe) as { code?: string }).code).toBe('CANCELLED');
      expect(state()).toBe('open');
    } finally {
      stack.breakers?.close();
      await app.stop();
      await server.stop();
    }
  });
});
