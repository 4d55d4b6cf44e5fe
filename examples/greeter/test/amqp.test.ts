// The greeter as shipped (dist/main.js) with AMQP_URL set: served over RabbitMQ, its `greeted`
// event emitted on the AMQP bus and consumed by its own @On handler, handler code unchanged.
import { randomBytes } from 'node:crypto';
import { type App, createApp, memoryRegistry } from '@wharf/core';
import { amqpTransport } from '@wharf/transport-amqp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { greeter } from '../src/contract.js';
import { BROKER_URL, brokerAvailable, deleteGreeterTopology } from './broker.js';
import { type GreeterProcess, startGreeterProcess } from './main-process.js';

const URL_ = BROKER_URL;

const available = await brokerAvailable('the greeter AMQP test');

describe.skipIf(!available)('greeter over AMQP (dist/main.js with AMQP_URL)', () => {
  // The client side runs in this process: any unhandled rejection or uncaught exception fails the test.
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  afterEach(() => {
    expect(crashes.splice(0)).toEqual([]);
  });
  const namespace = `wharf-test.greeter.${randomBytes(4).toString('hex')}`;
  let greeterProcess: GreeterProcess;
  let client: App;

  beforeAll(async () => {
    greeterProcess = await startGreeterProcess({ AMQP_URL: URL_, AMQP_NAMESPACE: namespace });
    const address = `amqp://127.0.0.1:5672/?namespace=${encodeURIComponent(namespace)}`;
    client = createApp({
      name: 'greeter-client',
      transports: [amqpTransport({ url: URL_, namespace })],
      registry: memoryRegistry([{ id: 'greeter-amqp', service: 'greeter', version: '1.0.0', address }]),
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await client.start();
  }, 30_000);

  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await client?.stop();
    if (greeterProcess?.child.exitCode === null) greeterProcess.child.kill('SIGKILL');
    // Clean what the greeter declared: its RPC queue expires by itself; the event topology does not.
    await deleteGreeterTopology(namespace);
  });

  it('logs at start-up that the streaming countdown is not served over AMQP', () => {
    expect(greeterProcess.output()).toContain('greeter.countdown (server stream)');
  });

  it('greets, reports NOT_FOUND with details, and answers UNIMPLEMENTED for the stream', async () => {
    const greet = client.client(greeter);
    await expect(greet.greet({ name: 'Ada' })).resolves.toEqual({ message: 'Hello, Ada!' });
    await expect(greet.greet({ name: 'Ada', language: 'ja' })).resolves.toEqual({ message: 'Konnichiwa, Ada!' });
    await expect(greet.language({ code: 'xx' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'language', code: 'xx' },
    });
    const count = async () => {
      for await (const _ of greet.countdown({ from: 2 })) {
        // not reached over AMQP
      }
    };
    await expect(count()).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
  });

  it('emits `greeted` on the AMQP bus, where its own handler consumes it', async () => {
    const greet = client.client(greeter);
    const until = Date.now() + 10_000;
    let greeted = 0;
    while (greeted < 2 && Date.now() < until) {
      greeted = (await greet.stats({})).greeted;
      if (greeted < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(greeted).toBe(2);
  });

  it('drains and exits cleanly on SIGTERM', async () => {
    const exited = greeterProcess.terminate();
    expect(await exited).toBe(0);
  });
});
