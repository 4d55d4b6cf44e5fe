import { type App, type Context, defineContract, On, Service, WharfError } from '@wharf/core';
import { Header, listDeadLetters, topologyNames } from '@wharf/transport-amqp';
import amqp, { type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, BROKER_URL, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const jobs = defineContract({
  name: 'jobs',
  version: '1.0.0',
  methods: {},
  events: { queued: { payload: z.object({ job: z.string(), size: z.int().min(1) }) } },
});

/** What the worker does with each job, by name: fail N times then succeed, always fail, or succeed. */
const plan = new Map<string, number>();
const calls: { job: string; attempt: number; at: number }[] = [];

@Service({ name: 'worker', version: '1.0.0' })
class Worker {
  @On(jobs.events.queued)
  run({ job }: { job: string }, ctx: Context) {
    calls.push({ job, attempt: ctx.event?.attempt ?? 0, at: Date.now() });
    const failures = plan.get(job) ?? 0;
    if ((ctx.event?.attempt ?? 1) <= failures) throw new WharfError('FAILED_PRECONDITION', `job ${job} is not ready yet`);
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('AMQP retries and dead letters against the real broker', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('retry');
  const names = topologyNames(namespace);
  const apps = new Apps();
  let emitter: App;
  let raw: amqp.ChannelModel;
  let channel: ConfirmChannel;

  const publishRaw = (routingKey: string, body: string, options: amqp.Options.Publish) =>
    new Promise<void>((resolve, reject) =>
      channel.publish(names.eventsExchange, routingKey, Buffer.from(body), options, (error: unknown) =>
        error ? reject(error) : resolve(),
      ),
    );
  const deadLetters = () => listDeadLetters({ url: BROKER_URL, namespace, service: 'worker' });
  const callsOf = (job: string) => calls.filter((c) => c.job === job);

  beforeAll(async () => {
    // maxAttempts 3: delays of 150 ms then 300 ms.
    await apps.start({
      name: 'worker',
      services: [new Worker()],
      namespace,
      amqp: { retry: { maxAttempts: 3, initialDelayMs: 150, factor: 2 } },
    });
    emitter = await apps.start({ name: 'producer', namespace });
    raw = await amqp.connect(BROKER_URL);
    raw.on('error', () => {});
    channel = await raw.createConfirmChannel();
    channel.on('error', () => {});
  });

  afterAll(async () => {
    await raw?.close().catch(() => {});
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('retries a failing handler with growing delays, then succeeds', async () => {
    plan.set('flaky', 2);
    await emitter.emit(jobs.events.queued, { job: 'flaky', size: 1 });
    await eventually(() => callsOf('flaky').length >= 3, 'three attempts');
    const attempts = callsOf('flaky');
    expect(attempts.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const gaps = [(attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0), (attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)];
    console.log(`retry gaps: ${gaps.join(' ms, ')} ms (configured 150 ms, 300 ms)`);
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThanOrEqual(290);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(callsOf('flaky')).toHaveLength(3);
    expect((await deadLetters()).filter((d) => d.body.includes('flaky'))).toEqual([]);
  });

  it('does not hold other messages back while one waits for its retry', async () => {
    plan.set('stuck', 1);
    // The next message is queued right behind the failing one, not after its first attempt was seen:
    // seeing it, then publishing and delivering another, could take longer than the 150 ms backoff.
    await emitter.emit(jobs.events.queued, { job: 'stuck', size: 1 });
    await emitter.emit(jobs.events.queued, { job: 'after-stuck', size: 1 });
    await eventually(() => callsOf('stuck').length >= 1, 'first attempt');
    await eventually(() => callsOf('after-stuck').length >= 1, 'the next message');
    await eventually(() => callsOf('stuck').length >= 2, 'the retry');
    // The next message did not wait for the failed one's 150 ms backoff.
    expect(callsOf('after-stuck')[0]?.at).toBeLessThan(callsOf('stuck')[1]?.at ?? 0);
  });

  it('dead-letters after the last attempt, with the reason in headers', async () => {
    plan.set('doomed', 99);
    await emitter.emit(jobs.events.queued, { job: 'doomed', size: 1 }, { id: 'doomed-1' });
    await eventually(async () => (await deadLetters()).some((d) => d.id === 'doomed-1'), 'the dead letter', 10_000);
    expect(callsOf('doomed').map((c) => c.attempt)).toEqual([1, 2, 3]);
    const letter = (await deadLetters()).find((d) => d.id === 'doomed-1');
    expect(letter).toMatchObject({
      id: 'doomed-1',
      event: 'jobs.queued',
      emitter: 'producer',
      code: 'FAILED_PRECONDITION',
      message: 'job doomed is not ready yet',
      attempts: 3,
      handler: 'worker.run',
      sourceQueue: names.handlerQueue('worker', 'run'),
    });
    expect(JSON.parse(letter?.body ?? 'null')).toEqual({ job: 'doomed', size: 1 });
  });

  it('dead-letters bad JSON at once, without calling the handler', async () => {
    const before = calls.length;
    await publishRaw('jobs.queued', '{"job": "broken', { messageId: 'bad-json-1', contentType: 'application/json' });
    await eventually(async () => (await deadLetters()).some((d) => d.id === 'bad-json-1'), 'the dead letter');
    const letter = (await deadLetters()).find((d) => d.id === 'bad-json-1');
    expect(letter).toMatchObject({ code: 'INVALID_ARGUMENT', attempts: 1, event: 'jobs.queued' });
    expect(letter?.message).toContain('not valid JSON');
    expect(calls.length).toBe(before);
  });

  it('dead-letters a schema-invalid event at once, with the field violations', async () => {
    const before = calls.length;
    await emitter.emit('jobs.queued', { job: 'neg', size: -1 }, { id: 'invalid-1' });
    await eventually(async () => (await deadLetters()).some((d) => d.id === 'invalid-1'), 'the dead letter');
    const letter = (await deadLetters()).find((d) => d.id === 'invalid-1');
    expect(letter).toMatchObject({ code: 'INVALID_ARGUMENT', attempts: 1 });
    expect(letter?.details).toMatchObject({ fieldViolations: [{ field: 'size' }] });
    expect(calls.length).toBe(before);
  });

  it('dead-letters a message without a message id, or of an event the handler does not take', async () => {
    await publishRaw('jobs.queued', '{"job":"x","size":1}', { contentType: 'application/json', type: 'jobs.queued' });
    // A stale binding: the handler queue also receives an event its pattern does not match.
    const queue = names.handlerQueue('worker', 'run');
    await channel.bindQueue(queue, names.eventsExchange, 'jobs.other');
    await publishRaw('jobs.other', '{"job":"y","size":1}', { contentType: 'application/json', messageId: 'other-1' });
    await eventually(async () => {
      const letters = await deadLetters();
      return letters.some((d) => d.id === undefined) && letters.some((d) => d.id === 'other-1');
    }, 'both dead letters');
    const letters = await deadLetters();
    expect(letters.find((d) => d.id === undefined)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('message-id'),
    });
    expect(letters.find((d) => d.id === 'other-1')).toMatchObject({ code: 'UNIMPLEMENTED', event: 'jobs.other' });
    await channel.unbindQueue(queue, names.eventsExchange, 'jobs.other');
  });

  it('skips a redelivered event with an id it already handled', async () => {
    const stats = () => apps.transports[0]?.stats();
    const duplicates = stats()?.duplicates ?? 0;
    const body = '{"job":"twice","size":1}';
    const options = { messageId: 'dup-1', contentType: 'application/json', headers: { [Header.timestampMs]: Date.now() } };
    await publishRaw('jobs.queued', body, options);
    await publishRaw('jobs.queued', body, options);
    await eventually(() => (stats()?.duplicates ?? 0) > duplicates, 'the duplicate is skipped');
    expect(callsOf('twice')).toHaveLength(1);
  });
});

describe.skipIf(!available)('failure copies that cannot be routed, or whose ack is lost', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('copies');
  const names = topologyNames(namespace);
  const apps = new Apps();
  let emitter: App;
  let raw: amqp.ChannelModel;
  let channel: ConfirmChannel;
  let proxy: TcpProxy | undefined;
  const deadLetters = () => listDeadLetters({ url: BROKER_URL, namespace, service: 'worker' }).catch(() => []);
  const lettersWith = async (id: string) => (await deadLetters()).filter((d) => d.id === id).length;
  const callsOf = (job: string) => calls.filter((c) => c.job === job);

  beforeAll(async () => {
    emitter = await apps.start({ name: 'producer', namespace });
    raw = await amqp.connect(BROKER_URL);
    raw.on('error', () => {});
    channel = await raw.createConfirmChannel();
    channel.on('error', () => {});
  });

  afterAll(async () => {
    await raw?.close().catch(() => {});
    await apps.stopAll();
    await proxy?.close();
    await deleteNamespace(namespace);
  });

  it('does not lose an event whose dead-letter queue was deleted: it is declared again and the dead letter lands there', async () => {
    await apps.start({
      name: 'worker',
      services: [new Worker()],
      namespace,
      amqp: { retry: { maxAttempts: 3, initialDelayMs: 150 } },
    });
    await channel.deleteQueue(names.deadLetterQueue('worker'));
    // Fails the schema: dead-lettered at once. Unroutable, the copy would be confirmed and the original acked: lost.
    await emitter.emit('jobs.queued', { job: 'orphan', size: 0 }, { id: 'orphan-1' });
    await eventually(async () => (await lettersWith('orphan-1')) === 1, 'the dead letter in the re-declared queue', 10_000);
  });

  it('does not lose an event whose delay queue was deleted: it is declared again and the retry happens', async () => {
    await channel.deleteQueue(names.delayQueue(150));
    plan.set('delayless', 1);
    await emitter.emit(jobs.events.queued, { job: 'delayless', size: 1 });
    await eventually(() => callsOf('delayless').some((c) => c.attempt === 2), 'the retry is handled', 10_000);
    expect(callsOf('delayless').at(-1)?.attempt).toBe(2);
  });

  it('dead-letters once when its channel dies before the dead letter is confirmed', async () => {
    // A second worker instance behind a proxy, alone on the queue: the first one stops.
    await apps.stopAll();
    emitter = await apps.start({ name: 'producer-2', namespace });
    proxy = await startTcpProxy();
    const through = proxy;
    await apps.start({ name: 'worker-proxied', services: [new Worker()], namespace, url: through.url });
    let frozen = false;
    // Freeze right after the delivery reaches the worker: its dead-letter copy is then sent into the void.
    through.onBrokerData = (chunk) => {
      if (!chunk.includes('lost-ack-1')) return;
      through.freeze();
      through.onBrokerData = undefined;
      frozen = true;
    };
    await emitter.emit('jobs.queued', { job: 'bad', size: 0 }, { id: 'lost-ack-1' });
    await eventually(() => frozen, 'the worker got the event');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The connection drops: the copy is published again on the next one, and the original,
    // never acked, is redelivered; it must not be dead-lettered a second time.
    through.cut();
    through.thaw();
    await eventually(async () => (await lettersWith('lost-ack-1')) >= 1, 'the dead letter', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await lettersWith('lost-ack-1')).toBe(1);
  });
});
