// The greeter as shipped (dist/main.js) with AMQP_URL set: served over RabbitMQ, its `greeted`
// event emitted on the AMQP bus and consumed by its own @On handler, handler code unchanged.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type App, createApp, memoryRegistry } from '@wharf/core';
import { amqpTransport } from '@wharf/transport-amqp';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { greeter } from '../src/contract.js';

const URL_ = process.env.AMQP_TEST_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

async function brokerUp(): Promise<boolean> {
  try {
    const connection = await amqp.connect(URL_, { timeout: 2_000 });
    connection.on('error', () => {});
    await connection.close();
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`RabbitMQ is required under CI but ${URL_} does not answer: ${(error as Error).message}`);
    console.warn(`Skipping the greeter AMQP test: no RabbitMQ at ${URL_}. Start one with \`rabbitmq-server -detached\`.`);
    return false;
  }
}

const available = await brokerUp();

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
  let child: ChildProcess;
  let output = '';
  let client: App;

  beforeAll(async () => {
    child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, AMQP_URL: URL_, AMQP_NAMESPACE: namespace, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const until = Date.now() + 20_000;
    while (!output.includes('greeter is up')) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`The greeter did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
    if (child && child.exitCode === null) child.kill('SIGKILL');
    // Clean what the greeter declared: its RPC queue expires by itself; the event topology does not.
    const connection = await amqp.connect(URL_);
    connection.on('error', () => {});
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    for (const queue of [`${namespace}.greeter.v1.rpc`, `${namespace}.greeter.on.onGreeted`, `${namespace}.greeter.dlq`]) {
      await channel.deleteQueue(queue).catch(() => {});
    }
    for (const delay of [1_000, 3_000, 9_000, 27_000])
      await channel.deleteQueue(`${namespace}.wharf.delay.${delay}`).catch(() => {});
    await channel.deleteExchange(`${namespace}.wharf.events`).catch(() => {});
    await channel.deleteExchange(`${namespace}.wharf.delay`).catch(() => {});
    await connection.close();
  });

  it('logs at start-up that the streaming countdown is not served over AMQP', () => {
    expect(output).toContain('greeter.countdown (server stream)');
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
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
