import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type App, type Context, defineContract, defineService, On, Rpc, Service } from '@wharf/core';
import { type Deduplicator, memoryDedupe } from '@wharf/transport-amqp';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, amqpInstances, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';
import { canStartNode, type FaultNode, startFaultNode } from './helpers/fault-node.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const feed = defineContract({
  name: 'feed',
  version: '1.0.0',
  methods: {},
  events: { item: { payload: z.object({ n: z.int() }) } },
});

/** Handler invocations per event id, across every consumer of the test. */
const handled = new Map<string, number>();

@Service({ name: 'sink', version: '1.0.0' })
class Sink {
  @On(feed.events.item)
  async take(_payload: { n: number }, ctx: Context) {
    // A little work, so deliveries are in flight (unacked) when the connection is cut.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const id = ctx.event?.id ?? '?';
    handled.set(id, (handled.get(id) ?? 0) + 1);
  }
}

const poison = defineContract({
  name: 'poison',
  version: '1.0.0',
  methods: { hit: { input: z.object({ tag: z.string() }), output: z.object({ ok: z.boolean() }) } },
});

/** Handler invocations per tag. */
const hits = new Map<string, number>();
/** The proxy a `cut…` request drops the server's connection through. */
let serverProxy: TcpProxy | undefined;

@Service(poison)
class Poison {
  @Rpc(poison.methods.hit)
  async hit({ tag }: { tag: string }) {
    hits.set(tag, (hits.get(tag) ?? 0) + 1);
    if (tag.startsWith('cut')) {
      // Some work, then the server's connection dies under it (as a crash of its process would).
      await new Promise((resolve) => setTimeout(resolve, 50));
      serverProxy?.cut();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { ok: true };
  }
}

/** An Erlang pid in external term format, base64: the first part of a direct reply-to address. */
function pidToken(node: string): string {
  const atom = Buffer.from(node);
  return Buffer.concat([Buffer.from([131, 88, 118, 0, atom.length]), atom, Buffer.alloc(12, 7)]).toString('base64');
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The default deduplicator, counting the duplicates it removes. */
function countingDedupe(): Deduplicator & { duplicates: number } {
  const inner = memoryDedupe();
  const counter = {
    duplicates: 0,
    async seen(key: string, info: Parameters<Deduplicator['seen']>[1]) {
      const seen = await inner.seen(key, info);
      if (seen) counter.duplicates++;
      return seen;
    },
    remember: (key: string, info: Parameters<Deduplicator['remember']>[1]) => inner.remember(key, info),
  };
  return counter;
}

/**
 * Emits `ids` with at most `window` in flight; calls `progress` after each confirm. Before
 * emitting index `i`, waits for `holdBefore(i)` (so a fault surely lands mid-stream).
 */
async function emitAll(
  app: App,
  ids: readonly string[],
  window: number,
  progress: (confirmed: number) => void,
  holdBefore: (index: number) => Promise<unknown> | undefined = () => undefined,
  pauseMs = 0,
): Promise<{ confirmed: string[]; failed: { id: string; error: unknown }[] }> {
  const confirmed: string[] = [];
  const failed: { id: string; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index] as string;
      await holdBefore(index);
      try {
        await app.emit(feed.events.item, { n: Number(id.split('-')[1]) }, { id, timeoutMs: 60_000 });
        confirmed.push(id);
        progress(confirmed.length);
      } catch (error) {
        failed.push({ id, error });
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { confirmed, failed };
}

const nodeAvailable = canStartNode();
if (!nodeAvailable && process.env.CI)
  throw new Error('The fault tests need rabbitmq-server on this machine: tools/services up rabbitmq');
if (!nodeAvailable)
  console.warn('Skipping AMQP fault tests: rabbitmq-server is not installed here; install it with: tools/services up rabbitmq');

describe.skipIf(!nodeAvailable)('AMQP under broker faults (a private second node)', () => {
  installCrashGuard();
  const apps = new Apps();
  let node: FaultNode;

  beforeAll(async () => {
    node = await startFaultNode();
  }, 90_000);

  afterAll(async () => {
    await apps.stopAll();
    await serverProxy?.close();
    await node?.stop();
  }, 60_000);

  /** A plain amqplib channel on the fault node, for requests no Wharf client would send. */
  async function rawChannel(): Promise<{ channel: amqp.Channel; close(): Promise<void> }> {
    const connection = await amqp.connect(node.url);
    connection.on('error', () => {});
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return { channel, close: () => connection.close().catch(() => {}) };
  }

  const request = (channel: amqp.Channel, namespace: string, tag: string, replyTo: string) =>
    channel.publish('', `${namespace}.poison.v1.rpc`, Buffer.from(JSON.stringify({ tag })), {
      type: 'hit',
      replyTo,
      correlationId: `poison-${tag}`,
      contentType: 'application/json',
    });

  it('loses no confirmed event while the broker closes every connection mid-stream', async () => {
    const namespace = uniqueNamespace('fault');
    const dedupe = countingDedupe();
    const consumer = await apps.start({ name: 'sink', services: [new Sink()], namespace, url: node.url, amqp: { dedupe } });
    const producer = await apps.start({ name: 'source', namespace, url: node.url });
    const n = 5_000;
    const ids = Array.from({ length: n }, (_, i) => `f-${i}`);
    // Two cuts, one after the other: the first at 500 confirmed, the second 1 000 confirms after
    // the first is done. Should rabbitmqctl be slow, later events wait for the cut, so both land
    // mid-stream, with up to 200 events unconfirmed and some unacked.
    const cutAt: number[] = [];
    const triggeredAt: number[] = [];
    const cutDone = [deferred(), deferred()];
    let cutting = false;
    let confirmedSoFar = 0;
    const cut = () => {
      cutting = true;
      triggeredAt.push(confirmedSoFar);
      node.ctl('close_all_connections', 'wharf fault test').then(
        () => {
          cutAt.push(confirmedSoFar);
          cutting = false;
          cutDone[cutAt.length - 1]?.resolve();
        },
        (error: unknown) => cutDone[cutAt.length]?.reject(error),
      );
    };
    const started = Date.now();
    const { confirmed, failed } = await emitAll(
      producer,
      ids,
      200,
      (count) => {
        confirmedSoFar = count;
        if (cutting) return;
        if ((cutAt.length === 0 && count === 500) || (cutAt.length === 1 && count === (cutAt[0] ?? 0) + 1_000)) cut();
      },
      (index) => (index >= 4_600 ? cutDone[1]?.promise : index >= 3_000 ? cutDone[0]?.promise : undefined),
    );
    const cuts = cutDone.map((d) => d.promise);
    await Promise.all(cuts);
    const published = Date.now() - started;
    await eventually(() => confirmed.every((id) => handled.has(id)), 'every confirmed event is consumed', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stats = apps.transports[0]?.stats();
    const invocations = [...handled.entries()].filter(([id]) => id.startsWith('f-'));
    const twice = invocations.filter(([, count]) => count > 1).length;
    console.log(
      [
        `fault test: ${n} events published in ${published} ms; the broker closed all connections twice (ordered after ${triggeredAt.join(' and ')} confirms, done by ${cutAt.join(' and ')})`,
        `  reconnects: consumer ${stats?.reconnects}, producer ${apps.transports[1]?.stats().reconnects}`,
        `  confirmed ${confirmed.length}, failed ${failed.length}`,
        `  consumed ${invocations.length} distinct, handler invocations ${invocations.reduce((s, [, c]) => s + c, 0)}`,
        `  deliveries ${stats?.delivered}, duplicates removed by the dedupe hook ${dedupe.duplicates} (transport counted ${stats?.duplicates})`,
      ].join('\n'),
    );
    expect(cutAt).toHaveLength(2);
    expect(cutAt.every((count) => count < n)).toBe(true);
    expect(stats?.reconnects).toBeGreaterThanOrEqual(2);
    expect(failed).toEqual([]);
    expect(confirmed).toHaveLength(n);
    expect(confirmed.filter((id) => !handled.has(id))).toEqual([]);
    expect(twice).toBe(0);
    expect(stats?.duplicates).toBe(dedupe.duplicates);
    expect(consumer.isReady()).toBe(true);
  }, 180_000);

  it('holds publishes while the broker is stopped, confirms them after it is back, and reports not-ready meanwhile', async () => {
    const namespace = uniqueNamespace('stop');
    const consumer = await apps.start({ name: 'sink', services: [new Sink()], namespace, url: node.url });
    const producer = await apps.start({ name: 'source', namespace, url: node.url });
    const readiness: boolean[] = [];
    consumer.onReadinessChange((ready) => readiness.push(ready));
    const ids = Array.from({ length: 300 }, (_, i) => `s-${i}`);
    let stopping: Promise<void> | undefined;
    const result = emitAll(producer, ids, 20, (count) => {
      if (count === 50) {
        stopping = (async () => {
          await node.ctl('stop_app');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await node.ctl('start_app');
        })();
      }
    });
    const { confirmed, failed } = await result;
    await stopping;
    await eventually(() => confirmed.every((id) => handled.has(id)), 'every confirmed event is consumed', 60_000);
    await eventually(() => consumer.isReady(), 'the consumer is ready again', 30_000);
    console.log(
      `stop_app/start_app: confirmed ${confirmed.length}, failed ${failed.length}, readiness changes ${readiness.join(' → ')}`,
    );
    expect(failed).toEqual([]);
    expect(ids.filter((id) => (handled.get(id) ?? 0) !== 1)).toEqual([]);
    expect(readiness).toContain(false);
    expect(readiness.at(-1)).toBe(true);
  }, 120_000);

  it('fails a publish with UNAVAILABLE at its deadline, and at once when the buffer is full, while the broker is down', async () => {
    const namespace = uniqueNamespace('bounded');
    const producer = await apps.start({ name: 'source', namespace, url: node.url, amqp: { maxBufferedPublishes: 5 } });
    await producer.emit(feed.events.item, { n: 1 });
    await node.ctl('stop_app');
    try {
      const started = Date.now();
      await expect(producer.emit(feed.events.item, { n: 2 }, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const held = Array.from({ length: 5 }, (_, i) => producer.emit(feed.events.item, { n: i }, { timeoutMs: 1_000 }));
      const overflow = Date.now();
      await expect(producer.emit(feed.events.item, { n: 9 }, { timeoutMs: 1_000 })).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringContaining('maxBufferedPublishes'),
      });
      expect(Date.now() - overflow).toBeLessThan(500);
      const settled = await Promise.allSettled(held);
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    } finally {
      await node.ctl('start_app');
    }
  }, 60_000);

  it('redelivers the event of a consumer killed before its ack, and it is handled once', async () => {
    const namespace = uniqueNamespace('kill');
    const child = fork(fileURLToPath(new URL('./fixtures/kill-consumer.mjs', import.meta.url)), [node.url, namespace], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: Record<string, unknown>[] = [];
    child.on('message', (message) => messages.push(message as Record<string, unknown>));
    try {
      await eventually(() => messages.some((m) => m.ready), 'the child consumer is ready', 30_000);
      const producer = await apps.start({ name: 'source', namespace, url: node.url });
      await producer.emit('work.item', { n: 1 }, { id: 'kill-1' });
      await eventually(() => messages.some((m) => m.handling === 'kill-1'), 'the child is handling the event');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const survivorCalls: { id: string; attempt: number }[] = [];
      const survivor = defineService({
        name: 'victim',
        version: '1.0.0',
        on: {
          take: {
            pattern: 'work.item',
            input: z.object({ n: z.int() }),
            handler: (_payload, ctx) => {
              survivorCalls.push({ id: ctx.event?.id ?? '?', attempt: ctx.event?.attempt ?? 0 });
            },
          },
        },
      });
      await apps.start({ name: 'victim-survivor', services: [survivor], namespace, url: node.url });
      await eventually(() => survivorCalls.length > 0, 'the survivor gets the redelivered event', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      console.log(
        `killed consumer: child started ${messages.filter((m) => m.handling).length}, acked 0; survivor handled ${survivorCalls.length} (${JSON.stringify(survivorCalls)})`,
      );
      expect(messages.filter((m) => m.crash)).toEqual([]);
      expect(survivorCalls).toEqual([{ id: 'kill-1', attempt: 1 }]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('turns not-ready when the broker cancels a consumer, and ready again once it is re-attached', async () => {
    const namespace = uniqueNamespace('cancel');
    const consumer = await apps.start({ name: 'sink', services: [new Sink()], namespace, url: node.url });
    const readiness: boolean[] = [];
    consumer.onReadinessChange((ready) => readiness.push(ready));
    const connection = await amqp.connect(node.url);
    connection.on('error', () => {});
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.deleteQueue(apps.transports.at(-1)?.names.handlerQueue('sink', 'take') ?? '');
    await connection.close();
    await eventually(() => readiness.includes(false) && consumer.isReady(), 'not ready, then ready again', 15_000);
    expect(readiness).toEqual([false, true]);
    // And the re-declared queue receives events again.
    const producer = await apps.start({ name: 'source', namespace, url: node.url });
    await producer.emit(feed.events.item, { n: 7 }, { id: 'after-cancel-1' });
    await eventually(() => handled.has('after-cancel-1'), 'the re-attached consumer handles events');
  }, 60_000);

  it('drops a request whose reply-to would make RabbitMQ close the connection, and serves on', async () => {
    const namespace = uniqueNamespace('replyto');
    const server = await apps.start({ name: 'poison-server', services: [new Poison()], namespace, url: node.url });
    const transport = apps.transports.at(-1);
    const raw = await rawChannel();
    try {
      // Both crash RabbitMQ 3.10's decoding of a direct reply-to address (541 INTERNAL_ERROR).
      request(raw.channel, namespace, 'garbage', 'amq.rabbitmq.reply-to.garbage.x');
      request(raw.channel, namespace, 'not-a-pid', 'amq.rabbitmq.reply-to.g2QAA2FiYw==.x');
      await eventually(() => transport?.stats().rpcDropped === 2, 'both requests are dropped', 5_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(transport?.stats().reconnects).toBe(0);
      expect([hits.get('garbage'), hits.get('not-a-pid')]).toEqual([undefined, undefined]);
      const client = await apps.start({
        name: 'poison-client',
        namespace,
        url: node.url,
        instances: amqpInstances(server, 'poison'),
      });
      await expect(client.client(poison).hit({ tag: 'good' })).resolves.toEqual({ ok: true });
    } finally {
      await raw.close();
    }
  }, 30_000);

  it('answers a request once when its well-formed reply-to still makes RabbitMQ close the connection', async () => {
    const namespace = uniqueNamespace('foreign');
    const server = await apps.start({ name: 'poison-server-2', services: [new Poison()], namespace, url: node.url });
    const transport = apps.transports.at(-1);
    const raw = await rawChannel();
    try {
      // A pid of a node this broker does not know: it passes the check, and the broker still
      // closes the connection when the reply is published. Acked before the reply, the request
      // does not come back.
      request(raw.channel, namespace, 'foreign', `amq.rabbitmq.reply-to.${pidToken('reply@1')}.a2V5a2V5a2V5`);
      await eventually(() => (transport?.stats().reconnects ?? 0) >= 1, 'the broker closed the connection once', 10_000);
      await eventually(() => server.isReady(), 'the server is ready again', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(hits.get('foreign')).toBe(1);
      expect(transport?.stats().reconnects).toBe(1);
    } finally {
      await raw.close();
    }
  }, 30_000);

  it('attempts a request that kills its server’s connection at most twice', async () => {
    const namespace = uniqueNamespace('killer');
    serverProxy = await startTcpProxy(node.port);
    await apps.start({ name: 'poison-server-3', services: [new Poison()], namespace, url: serverProxy.url });
    const transport = apps.transports.at(-1);
    const raw = await rawChannel();
    try {
      const { queue } = await raw.channel.assertQueue('', { exclusive: true });
      request(raw.channel, namespace, 'cut-1', queue);
      await eventually(() => hits.get('cut-1') === 2, 'the request is redelivered once', 10_000);
      await eventually(() => (transport?.stats().reconnects ?? 0) >= 2, 'the server reconnected twice', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(hits.get('cut-1')).toBe(2);
      expect((await raw.channel.checkQueue(`${namespace}.poison.v1.rpc`)).messageCount).toBe(0);
    } finally {
      await raw.close();
    }
  }, 30_000);
});
