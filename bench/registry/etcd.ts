// etcd measurements: watch fan-out (1 000 instances to one watcher; one change to 50 watching
// clients) and the client choice (the etcd3 package against a bare @grpc/grpc-js call).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ServiceInstance } from '@wharf/core';
import { createRegistry, etcdBackend, etcdClient } from '@wharf/registry';
import { median } from '../lib/stats.js';

const instance = (n: number, service: string): ServiceInstance => ({
  id: `fan-${n}`,
  service,
  version: '1.0.0',
  address: `http://127.0.0.1:${10_000 + n}`,
});

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setImmediate(poll));
    poll();
  });
}

/** Registers `count` instances; resolves with the ms until a watcher in another client saw them all. */
export async function fanIn(url: string, count: number): Promise<number> {
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  const server = createRegistry(etcdBackend({ hosts: url, namespace }));
  const watcher = createRegistry(etcdBackend({ hosts: url, namespace }));
  try {
    await watcher.lookup('fan');
    const started = performance.now();
    await Promise.all(Array.from({ length: count }, (_, n) => server.register(instance(n, 'fan'))));
    await until(() => (watcher.lookup('fan') as readonly ServiceInstance[]).length === count);
    return performance.now() - started;
  } finally {
    await server.close();
    await watcher.close();
  }
}

/** One registration; resolves with the ms until each of `clients` watching clients saw it, and how long the put took. */
export async function fanOut(url: string, clients: number): Promise<{ seen: number[]; putMs: number }> {
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  const watchers = Array.from({ length: clients }, () => createRegistry(etcdBackend({ hosts: url, namespace })));
  const server = createRegistry(etcdBackend({ hosts: url, namespace }));
  try {
    await Promise.all(watchers.map((w) => w.lookup('one')));
    const seen: number[] = [];
    const started = performance.now();
    for (const w of watchers) w.watch?.('one', () => seen.push(performance.now() - started));
    await server.register(instance(1, 'one'));
    const putMs = performance.now() - started;
    await until(() => seen.length >= clients);
    return { seen, putMs };
  } finally {
    await server.close();
    await Promise.all(watchers.map((w) => w.close()));
  }
}

/** Range-call latency (µs, median of `n`): the etcd3 package and a bare grpc-js client on its own protos. */
export async function clientChoice(url: string, n: number): Promise<{ etcd3: number; grpc: number }> {
  const client = etcdClient(url);
  const protoDir = join(dirname(createRequire(import.meta.url).resolve('etcd3/package.json')), 'proto');
  const definition = protoLoader.loadSync(join(protoDir, 'rpc.proto'), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const { etcdserverpb } = grpc.loadPackageDefinition(definition) as unknown as {
    etcdserverpb: {
      KV: new (
        address: string,
        credentials: grpc.ChannelCredentials,
      ) => grpc.Client & { Range(request: { key: Buffer }, callback: (error: Error | null) => void): void };
    };
  };
  const kv = new etcdserverpb.KV(new URL(url).host, grpc.credentials.createInsecure());
  const key = Buffer.from(`/bench/${randomBytes(4).toString('hex')}`);
  const range = () =>
    new Promise<void>((resolve, reject) => kv.Range({ key }, (error: Error | null) => (error ? reject(error) : resolve())));
  try {
    const time = async (call: () => Promise<unknown>) => {
      for (let i = 0; i < 200; i++) await call();
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await call();
        samples.push((performance.now() - started) * 1000);
      }
      return median(samples);
    };
    const a = await time(() => client.get(key.toString()).string());
    const b = await time(range);
    const c = await time(() => client.get(key.toString()).string());
    const d = await time(range);
    return { etcd3: (a + c) / 2, grpc: (b + d) / 2 };
  } finally {
    client.close();
    kv.close();
  }
}
