import { type Context, defineContract, defineService, On, on, Rpc, Service } from '@wharf/core';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, amqpInstances, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const mail = defineContract({
  name: 'mail',
  version: '1.0.0',
  methods: { send: { input: z.object({ to: z.string(), ms: z.int() }), output: z.object({ sent: z.boolean() }) } },
  events: { queued: { payload: z.object({ to: z.string(), ms: z.int() }) } },
});

const log: { who: string; to: string; phase: 'start' | 'end' }[] = [];

@Service(mail)
class Mailer {
  constructor(readonly who: string) {}

  @Rpc(mail.methods.send)
  async send({ to, ms }: { to: string; ms: number }) {
    log.push({ who: this.who, to, phase: 'start' });
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { sent: to.length > 0 };
  }

  @On(mail.events.queued)
  async deliver({ to, ms }: { to: string; ms: number }, _ctx: Context) {
    log.push({ who: this.who, to, phase: 'start' });
    await new Promise((resolve) => setTimeout(resolve, ms));
    log.push({ who: this.who, to, phase: 'end' });
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('graceful stop of the AMQP transport', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('stop');
  const apps = new Apps();
  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });
  const entries = (to: string) => log.filter((l) => l.to === to);

  it('finishes and acks in-flight events, answers in-flight RPCs, then closes', async () => {
    const first = await apps.start({ name: 'mailer-1', services: [new Mailer('first')], namespace });
    const client = await apps.start({ name: 'client', namespace, instances: amqpInstances(first, 'mail') });
    // Both handlers must still be running at the stop: long enough for a busy machine to get the
    // request across the broker while the event's handler runs.
    await client.emit(mail.events.queued, { to: 'ann', ms: 2_000 });
    await eventually(() => entries('ann').length > 0, 'the handler starts');
    const call = client.client(mail).send({ to: 'bob', ms: 1_500 });
    await eventually(() => entries('bob').length > 0, 'the RPC handler starts');
    const stopped = Date.now();
    await first.stop();
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(250);
    expect(entries('ann').map((l) => l.phase)).toEqual(['start', 'end']);
    await expect(call).resolves.toEqual({ sent: true });
    // A new instance does not get the event again: it was acked before the close.
    await apps.start({ name: 'mailer-2', services: [new Mailer('second')], namespace });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(entries('ann').filter((l) => l.who === 'second')).toEqual([]);
  });

  it('closes at once when the drain time is over, and the unacked event goes to another instance', async () => {
    // Only the slow instance consumes while the event is emitted.
    await apps.stopAll();
    const slow = await apps.start({ name: 'mailer-3', services: [new Mailer('slow')], namespace, shutdownMs: 200 });
    const emitter = await apps.start({ name: 'client-2', namespace });
    await emitter.emit(mail.events.queued, { to: 'cat', ms: 3_000 });
    await eventually(() => entries('cat').length > 0, 'the slow handler starts');
    const stopped = Date.now();
    await slow.stop();
    expect(Date.now() - stopped).toBeLessThan(1_500);
    const rescuer = defineService({
      name: 'mail',
      version: '1.0.0',
      on: {
        deliver: on('mail.queued', {
          input: z.object({ to: z.string(), ms: z.int() }),
          handler: ({ to }) => {
            log.push({ who: 'rescuer', to, phase: 'end' });
          },
        }),
      },
    });
    await apps.start({ name: 'mailer-5', services: [rescuer], namespace });
    await eventually(() => entries('cat').some((l) => l.who === 'rescuer'), 'another instance gets the event');
  });
});

describe.skipIf(!available)('stopping when the broker stopped answering (a frozen TCP proxy in between)', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('frozen');
  const apps = new Apps();
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    await apps.stopAll();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await deleteNamespace(namespace);
  });

  const serveThroughProxy = async (name: string) => {
    const proxy = await startTcpProxy();
    proxies.push(proxy);
    const app = await apps.start({ name, services: [new Mailer(name)], namespace, url: proxy.url, shutdownMs: 1_000 });
    return { proxy, app };
  };

  it('stops within the drain time when the broker freezes', async () => {
    const { proxy, app } = await serveThroughProxy('frozen-1');
    proxy.freeze();
    const started = Date.now();
    await app.stop();
    // Cancelling consumers, closing channels and the connection each wait for the broker: past
    // the 1 s drain time the transport stops waiting and destroys the socket.
    expect(Date.now() - started).toBeLessThan(2_500);
  }, 60_000);

  it('stops within the drain time while reconnecting through a network that stopped answering', async () => {
    const { proxy, app } = await serveThroughProxy('frozen-2');
    const opened = proxy.opened;
    // The connection drops; every reconnect attempt then hangs in the AMQP handshake.
    proxy.freeze();
    proxy.cut();
    await eventually(() => proxy.opened > opened, 'a reconnect attempt is in flight');
    const started = Date.now();
    await app.stop();
    expect(Date.now() - started).toBeLessThan(2_500);
  }, 60_000);
});
