// The greeter over gRPC, called by a client we did not write: plain @grpc/grpc-js with
// @grpc/proto-loader, loading only the committed, emitted greeter.proto.
import { fileURLToPath } from 'node:url';
import {
  type Client,
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type App, createApp } from '@wharf/core';
import { grpcTransport } from '@wharf/transport-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Greeter, greeter } from '../src/index.js';

const protoDir = fileURLToPath(new URL('../proto', import.meta.url));

type Reply = Record<string, unknown>;
type Callback = (error: ServiceError | null, reply?: Reply) => void;
interface GreeterClient extends Client {
  Greet(request: object, metadata: Metadata, callback: Callback): void;
  Language(request: object, callback: Callback): void;
  Countdown(request: object): ClientReadableStream<Reply>;
  Stats(request: object, callback: Callback): void;
}

let app: App;
let client: GreeterClient;
let address: string;

beforeAll(async () => {
  app = createApp({
    name: 'greeter',
    services: [new Greeter()],
    transports: [grpcTransport()],
    logger: { level: process.env.LOG_LEVEL ?? 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
  address = app.addresses.find((a) => a.startsWith('grpc://')) as string;
  const definition = loadSync('greeter/v1/greeter.proto', {
    includeDirs: [protoDir],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
  });
  const pkg = loadPackageDefinition(definition) as unknown as { greeter: { v1: { Greeter: ServiceClientConstructor } } };
  client = new pkg.greeter.v1.Greeter(address.slice('grpc://'.length), credentials.createInsecure()) as unknown as GreeterClient;
});

afterAll(async () => {
  client.close();
  await app.stop();
});

const unary = (call: (callback: Callback) => void) =>
  new Promise<{ error: ServiceError | null; reply?: Reply }>((resolve) => call((error, reply) => resolve({ error, reply })));

describe('greeter over gRPC, from a plain grpc-js + proto-loader client', () => {
  it('unary: greets, with the default language applied when the field is absent', async () => {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'interop-1');
    expect(await unary((cb) => client.Greet({ name: 'Ada' }, metadata, cb))).toEqual({
      error: null,
      reply: { message: 'Hello, Ada!' },
    });
    expect(await unary((cb) => client.Greet({ name: 'Ada', language: 'fr' }, new Metadata(), cb))).toEqual({
      error: null,
      reply: { message: 'Bonjour, Ada!' },
    });
  });

  it('server streaming: counts down', async () => {
    const stream = client.Countdown({ from: 3 });
    const seen: unknown[] = [];
    const code = await new Promise<number>((resolve) => {
      stream.on('data', (m: Reply) => seen.push(m.n));
      stream.on('error', () => {});
      stream.on('status', (s) => resolve(s.code));
    });
    expect(seen).toEqual([3, 2, 1, 0]);
    expect(code).toBe(status.OK);
  });

  it('invalid input → INVALID_ARGUMENT', async () => {
    const { error } = await unary((cb) => client.Greet({ name: '' }, new Metadata(), cb));
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^Invalid input: name: /);
    const stream = client.Countdown({ from: 101 });
    const streamError = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(streamError.code).toBe(status.INVALID_ARGUMENT);
  });

  it('a typed error → NOT_FOUND, with its message', async () => {
    const { error } = await unary((cb) => client.Language({ code: 'xx' }, cb));
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toBe('No greeting for language "xx"; known: en, fr, de, es, ja');
  });

  it('a Wharf client gets the same typed error, details included', async () => {
    const caller = createApp({
      name: 'caller',
      transports: [grpcTransport()],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await caller.start();
    await expect(caller.client(greeter).language({ code: 'xx' }, { address })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'language', code: 'xx' },
    });
    await expect(caller.client(greeter).language({ code: 'de' }, { address })).resolves.toEqual({
      code: 'de',
      name: 'German',
      greeting: 'Hallo',
    });
    await caller.stop();
  });
});
