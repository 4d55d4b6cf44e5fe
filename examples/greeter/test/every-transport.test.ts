// The greeter as `npm start` runs it (dist/main.js), with all three transports at once: a greeting
// sent over HTTP with fetch, its `greeted` event carried by RabbitMQ to the greeter's own handler,
// and the count read back by a plain grpc-js client from the committed .proto. Then SIGTERM: the
// process drains and exits 0. One service, declared once, handler code unchanged.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Client, credentials, loadPackageDefinition, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_URL, brokerAvailable, deleteGreeterTopology } from './broker.js';
import { type GreeterProcess, startGreeterProcess } from './main-process.js';

const PROTO = fileURLToPath(new URL('../proto', import.meta.url));
const available = await brokerAvailable('the every-transport greeter test');

interface StatsClient extends Client {
  Stats(request: object, callback: (error: ServiceError | null, reply?: { greeted: number }) => void): void;
}

describe.skipIf(!available)('the greeter over HTTP, gRPC and AMQP at once (dist/main.js)', () => {
  const namespace = `wharf-test.every.${randomBytes(4).toString('hex')}`;
  let greeterProcess: GreeterProcess;
  let http = '';
  let grpc: StatsClient;

  beforeAll(async () => {
    greeterProcess = await startGreeterProcess({ AMQP_URL: BROKER_URL, AMQP_NAMESPACE: namespace });
    const addresses = greeterProcess.addresses;
    http = addresses.find((a) => a.startsWith('http://')) as string;
    const grpcAddress = new URL(addresses.find((a) => a.startsWith('grpc://')) as string).host;
    expect(addresses.some((a) => a.startsWith('amqp://'))).toBe(true);
    const definition = loadSync('greeter/v1/greeter.proto', { includeDirs: [PROTO], defaults: true, longs: Number });
    const pkg = loadPackageDefinition(definition) as unknown as { greeter: { v1: { Greeter: ServiceClientConstructor } } };
    grpc = new pkg.greeter.v1.Greeter(grpcAddress, credentials.createInsecure()) as unknown as StatsClient;
  }, 30_000);

  afterAll(async () => {
    grpc?.close();
    if (greeterProcess?.child.exitCode === null) greeterProcess.child.kill('SIGKILL');
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
    expect(await greeterProcess.terminate()).toBe(0);
    expect(greeterProcess.output()).toContain('Received SIGTERM; draining');
    expect(greeterProcess.output()).toContain('greeter stopped');
  });
});
