// A broker that refuses the credentials or the virtual host will refuse them again: start fails
// at once with a message saying what to check, instead of retrying until a deadline.
import { createApp, defineContract, implement, WharfError } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { amqpTransport } from '@wharf/transport-amqp';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const available = await requireService('rabbitmq', 'the AMQP refusal tests');
const ping = defineContract({ name: 'ping', version: '1.0.0', methods: { ping: { input: z.object({}), output: z.object({}) } } });

async function startWith(url: string) {
  const app = createApp({
    services: [implement(ping, { ping: async () => ({}) })],
    transports: [amqpTransport({ url })],
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  const started = performance.now();
  const error = await app.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  await app.stop();
  return { error, ms };
}

describe.skipIf(!available)('AMQP connection refused by the broker', () => {
  const broker = new URL(serviceUrl('rabbitmq'));

  it('wrong credentials fail start at once with UNAUTHENTICATED, password redacted', async () => {
    const url = `amqp://nobody:wrong-secret@${broker.host}`;
    const { error, ms } = await startWith(url);
    expect(error).toBeInstanceOf(WharfError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((error as Error).message).toMatch(/refused the user name or password \(ACCESS_REFUSED\); retrying cannot help/);
    expect((error as Error).message).not.toContain('wrong-secret');
    expect(ms).toBeLessThan(5_000); // it used to retry until the 10 s start deadline
  });

  it('a virtual host that does not exist fails start at once with PERMISSION_DENIED', async () => {
    const url = `amqp://${broker.username || 'guest'}:${broker.password || 'guest'}@${broker.host}/no-such-vhost`;
    const { error, ms } = await startWith(url);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((error as Error).message).toMatch(/refused the virtual host/);
    expect(ms).toBeLessThan(5_000);
  });
});
