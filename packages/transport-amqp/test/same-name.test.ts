// Two different services with the same name on one broker: the second refuses to start, naming
// both method sets, instead of sharing a queue and failing half the calls. A release that only
// adds methods shares the queue as before.
import { randomBytes } from 'node:crypto';
import { type App, createApp, defineContract, implement } from '@wharf/core';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { amqpTransport } from '@wharf/transport-amqp';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

const available = await requireService('rabbitmq', 'the same-name test');
const empty = { input: z.object({}), output: z.object({ from: z.string() }) };

function usersWith(methods: readonly string[], from: string) {
  const contract = defineContract({
    name: 'users',
    version: '1.0.0',
    methods: Object.fromEntries(methods.map((m) => [m, empty])),
  });
  return implement(contract, Object.fromEntries(methods.map((m) => [m, async () => ({ from })])) as never);
}

describe.skipIf(!available)('two services named alike on one broker', () => {
  const apps: App[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
  });
  const start = async (service: object, namespace: string) => {
    const app = createApp({
      services: [service],
      transports: [amqpTransport({ url: serviceUrl('rabbitmq'), namespace })],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    apps.push(app);
    await app.start();
    return app;
  };

  it('the second, with different methods, fails to start naming both method sets', async () => {
    const namespace = `same-${randomBytes(4).toString('hex')}`;
    await start(usersWith(['get', 'list'], 'accounts'), namespace);
    await expect(start(usersWith(['create', 'remove'], 'billing'), namespace)).rejects.toThrow(
      `Another service named "users" already serves ${namespace}.users.v1.rpc on this broker with different methods (get, list; version 1.0.0), and this one has create, remove.`,
    );
  });

  it('a release that adds a method, or an older one, starts beside it; another namespace is another queue', async () => {
    const namespace = `same-${randomBytes(4).toString('hex')}`;
    await start(usersWith(['get'], 'old'), namespace);
    await start(usersWith(['get', 'list'], 'new'), namespace);
    await start(usersWith(['get'], 'old again'), namespace);
    await start(usersWith(['create'], 'elsewhere'), `${namespace}-b`);
  });
});
