// The greeter as `npm start` runs it (dist/main.js), with all three transports at once: a greeting
// sent over HTTP with fetch, its `greeted` event carried by RabbitMQ to the greeter's own handler,
// and the count read back by a plain grpc-js client from the committed .proto. Then SIGTERM: the
// process drains and exits 0. One service, declared once, handler code unchanged.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Client, credentials, loadPackageDefinition, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_URL, brokerAvailable, deleteGreeterTopology } from './broker.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const PROTO = fileURLToPath(new URL('../proto', import.meta.url));
const available = await brokerAvailable('the every-transport greeter test');

interface StatsClient extends Client {
  Stats(request: object, callback: (error: ServiceError | null, reply?: { greeted: number }) => void): void;
}

describe.skipIf(!available)('the greeter over HTTP, gRPC and AMQP at once (dist/main.js)', () => {
  const namespace = `wharf-test.every.${randomBytes(4).toString('hex')}`;
  let child: ChildProcess;
  let output = '';
  let http = '';
  let grpc: StatsClient;

  beforeAll(async () => {
    child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: '0', GRPC_PORT: '0', AMQP_URL: BROKER_URL, AMQP_NAMESPACE: namespace, LOG_LEVEL: 'info' },
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
    const up = output
      .split('\n')
      .map((line) => (line.startsWith('{') ? JSON.parse(line) : {}))
      .find((line) => line.msg?.startsWith('greeter is up'));
    const addresses: string[] = up.addresses;
    http = addresses.find((a) => a.startsWith('http://')) as string;
    const grpcAddress = new URL(addresses.find((a) => a.startsWith('grpc://')) as string).host;
    expect(addresses.some((a) => a.startsWith('amqp://'))).toBe(true);
    const definition = loadSync('greeter/v1/greeter.proto', { includeDirs: [PROTO], defaults: true, longs: Number });
    const pkg = loadPackageDefinition(definition) as unknown as { greeter: { v1: { Greeter: ServiceClientConstructor } } };
    grpc = new pkg.greeter.v1.Greeter(grpcAddress, credentials.createInsecure()) as unknown as StatsClient;
  }, 30_000);

  afterAll(async () => {
    grpc?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await deleteGreeterTopology(namespace);
  });

  const stats = () =>
    new Promise<number>((resolve, reject) =>
      grpc.Stats({}, (error, reply) => (error ? reject(error) : resolve(reply?.greeted ?? -1))),
    );

  it('greets over HTTP; the event crosses RabbitMQ; the count is read over gRPC', async () => {
    expect(await stats()).toBe(0);
    const res = await fetch(`${http}/v1/greetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Grace', language: 'de' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hallo, Grace!' });
    const until = Date.now() + 10_000;
    let greeted = 0;
    while (greeted === 0 && Date.now() < until) {
      greeted = await stats();
      if (greeted === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(greeted).toBe(1);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('Received SIGTERM; draining');
    expect(output).toContain('greeter stopped');
  });
});
