import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { defineContract, implement } from '@wharf/core';
import { withProto } from '@wharf/transport-grpc';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { serve } from './helpers.js';

const contract = defineContract({
  name: 'inventory',
  version: 2,
  methods: {
    stock: { input: z.object({ sku: z.string() }), output: z.object({ count: z.int(), at: z.date() }) },
    watch: { input: z.object({}), output: z.object({ count: z.int() }), stream: 'server' },
  },
});
const service = implement(contract, {
  async stock() {
    return { count: 3, at: new Date(0) };
  },
  async *watch() {
    yield { count: 1 };
  },
});

const options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const require = createRequire(import.meta.url);
const reflectionProto = join(dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');

type Any = Record<string, unknown>;
interface ReflectionClient extends Client {
  ServerReflectionInfo(): ClientDuplexStream<Any, Any>;
}
interface HealthClient extends Client {
  Check(request: Any, callback: (e: ServiceError | null, r?: { status: string }) => void): void;
  Watch(request: Any): ClientReadableStream<{ status: string }>;
}

function clientOf<T>(file: string, path: string[], target: string): T {
  let node = loadPackageDefinition(loadSync(file, options)) as unknown as Record<string, unknown>;
  for (const part of path) node = node[part] as Record<string, unknown>;
  return new (node as unknown as ServiceClientConstructor)(target, credentials.createInsecure()) as unknown as T;
}

function ask(client: ReflectionClient, request: Any): Promise<Any> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (response: Any) => {
      resolve(response);
      call.end();
    });
    call.on('error', reject);
    call.write(request);
  });
}

describe('reflection', () => {
  it('lists the generated service and the health service, and describes them well enough to build a client', async () => {
    const { app, target } = await serve([service]);
    const client = clientOf<ReflectionClient>(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection'], target);
    const listed = await ask(client, { list_services: '' });
    const names = ((listed.list_services_response as Any).service as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['inventory.v2.Inventory', 'grpc.health.v1.Health']));

    const described = await ask(client, { file_containing_symbol: 'inventory.v2.Inventory' });
    const files = ((described.file_descriptor_response as Any).file_descriptor_proto as Buffer[]).map(
      (bytes) => descriptor.FileDescriptorProto.decode(bytes) as unknown as { name: string; dependency: string[] },
    );
    const main = files.find((f) => f.name === 'inventory/v2/inventory.proto');
    expect(main?.dependency).toEqual(['google/protobuf/timestamp.proto']);
    expect(files.map((f) => f.name)).toContain('google/protobuf/timestamp.proto');
    // What grpcurl does: a descriptor pool from the reflected files, then the method's message types.
    const root = protobuf.Root.fromDescriptor({ file: files } as never);
    const method = root.lookupService('inventory.v2.Inventory').methods.Stock;
    expect(method?.requestType).toBe('.inventory.v2.StockRequest');
    expect(root.lookupType('inventory.v2.StockResponse').fields.at?.type).toMatch(/^\.?google\.protobuf\.Timestamp$/);
    client.close();
    await app.stop();
  });

  it('describes a service bound to a hand-written .proto with its files and imports', async () => {
    const includeDirs = [fileURLToPath(new URL('./fixtures/proto', import.meta.url))];
    const chat = defineContract({
      name: 'chat',
      version: 1,
      methods: withProto(
        { files: 'acme/chat/v1/chat.proto', includeDirs, service: 'acme.chat.v1.Chat' },
        { say: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) } },
      ),
    });
    const { app, target } = await serve([implement(chat, { say: async ({ text }) => ({ text }) })]);
    const client = clientOf<ReflectionClient>(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection'], target);
    const listed = await ask(client, { list_services: '' });
    expect(((listed.list_services_response as Any).service as { name: string }[]).map((s) => s.name)).toContain(
      'acme.chat.v1.Chat',
    );
    const described = await ask(client, { file_containing_symbol: 'acme.chat.v1.Chat' });
    const files = ((described.file_descriptor_response as Any).file_descriptor_proto as Buffer[]).map(
      (bytes) => descriptor.FileDescriptorProto.decode(bytes) as unknown as { name: string; dependency: string[] },
    );
    expect(files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['acme/chat/v1/chat.proto', 'acme/common/v1/common.proto', 'google/protobuf/timestamp.proto']),
    );
    expect(files.find((f) => f.name === 'acme/chat/v1/chat.proto')?.dependency).toEqual([
      'acme/common/v1/common.proto',
      'google/protobuf/timestamp.proto',
    ]);
    const root = protobuf.Root.fromDescriptor({ file: files } as never);
    expect(root.lookupService('acme.chat.v1.Chat').methods.Say?.requestType).toMatch(/^\.?acme\.common\.v1\.Text$/);
    client.close();
    await app.stop();
  });
});

describe('health', () => {
  it('answers SERVING while ready, NOT_SERVING while draining, and ends Watch streams so shutdown does not wait on them', async () => {
    // The drain delay must outlast the two checks made while draining (round trips on a busy machine).
    const drainDelayMs = 2_000;
    const { app, target } = await serve([service], {}, { shutdown: { signals: false, drainDelayMs, timeoutMs: 10_000 } });
    const health = clientOf<HealthClient>(healthProtoPath, ['grpc', 'health', 'v1', 'Health'], target);
    const check = (name: string) =>
      new Promise<string>((resolve, reject) =>
        health.Check({ service: name }, (e, r) => (e ? reject(e) : resolve(r?.status ?? ''))),
      );
    expect(await check('')).toBe('SERVING');
    expect(await check('inventory.v2.Inventory')).toBe('SERVING');
    await expect(check('nope.v1.Nope')).rejects.toMatchObject({ code: 5 });

    const watched: string[] = [];
    const watch = health.Watch({ service: '' });
    const ended = new Promise<number>((resolve) => {
      watch.on('data', (m) => watched.push(m.status));
      watch.on('error', (e: ServiceError) => resolve(e.code));
      watch.on('end', () => resolve(0));
    });
    await expect.poll(() => watched).toEqual(['SERVING']);

    const t0 = Date.now();
    const stopping = app.stop();
    await sleep(100);
    expect(await check('')).toBe('NOT_SERVING');
    expect(await check('inventory.v2.Inventory')).toBe('NOT_SERVING');
    await stopping;
    // Not held until the 10 s drain timeout by the open Watch stream.
    expect(Date.now() - t0).toBeLessThan(drainDelayMs + 2_600);
    expect(watched).toEqual(['SERVING', 'NOT_SERVING']);
    expect(await ended).toBe(14);
    health.close();
  });

  it('health and reflection can be turned off', async () => {
    const { app, target } = await serve([service], { health: false, reflection: false });
    const health = clientOf<HealthClient>(healthProtoPath, ['grpc', 'health', 'v1', 'Health'], target);
    await expect(
      new Promise((resolve, reject) => health.Check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r)))),
    ).rejects.toMatchObject({ code: 12 });
    health.close();
    await app.stop();
  });
});
