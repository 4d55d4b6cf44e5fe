// What the event consumers report to the app's transport observers: each delivery, retry, dead
// letter and duplicate, per handler and attempt, against the real broker.
import { type App, type Context, defineContract, type EventDelivery, On, Service, WharfError } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, brokerAvailable, deleteNamespace, eventually, uniqueNamespace } from './helpers/broker.js';

const tasks = defineContract({
  name: 'tasks',
  version: '1.0.0',
  methods: {},
  events: { due: { payload: z.object({ task: z.string() }) } },
});

@Service({ name: 'runner', version: '1.0.0' })
class Runner {
  @On(tasks.events.due)
  run({ task }: { task: string }, ctx: Context) {
    if (task === 'never' || (task === 'flaky' && (ctx.event?.attempt ?? 1) < 2)) {
      throw new WharfError('UNAVAILABLE', `${task} cannot run now`);
    }
  }
}

const available = await brokerAvailable();

describe.skipIf(!available)('AMQP transport observer hooks', () => {
  const namespace = uniqueNamespace('observer');
  const apps = new Apps();
  const seen: string[] = [];
  const record = (hook: string) => (d: EventDelivery) =>
    seen.push(`${hook} ${d.transport} ${d.endpoint.service}.${d.endpoint.name} #${d.attempt}`);
  let emitter: App;

  beforeAll(async () => {
    await apps.start({
      name: 'runner',
      services: [new Runner()],
      namespace,
      amqp: { retry: { maxAttempts: 2, initialDelayMs: 100 } },
      observers: [
        {
          eventReceived: record('received'),
          eventRetried: record('retried'),
          eventDeadLettered: record('dead-lettered'),
          eventDuplicate: record('duplicate'),
        },
      ],
    });
    emitter = await apps.start({ name: 'emitter', namespace });
  });
  afterAll(async () => {
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  it('reports a retried delivery, then its success', async () => {
    seen.length = 0;
    await emitter.emit(tasks.events.due, { task: 'flaky' });
    await eventually(() => seen.length >= 3, 'the retry and the second delivery');
    expect(seen).toEqual(['received amqp runner.run #1', 'retried amqp runner.run #1', 'received amqp runner.run #2']);
  });

  it('reports a delivery dead-lettered after its last attempt', async () => {
    seen.length = 0;
    await emitter.emit(tasks.events.due, { task: 'never' });
    await eventually(() => seen.length >= 4, 'the dead letter');
    expect(seen).toEqual([
      'received amqp runner.run #1',
      'retried amqp runner.run #1',
      'received amqp runner.run #2',
      'dead-lettered amqp runner.run #2',
    ]);
  });

  it('reports a duplicate skipped by the deduplicator', async () => {
    seen.length = 0;
    await emitter.emit(tasks.events.due, { task: 'once' }, { id: 'same-id' });
    await emitter.emit(tasks.events.due, { task: 'once' }, { id: 'same-id' });
    await eventually(() => seen.length >= 3, 'the duplicate');
    expect(seen).toEqual(['received amqp runner.run #1', 'received amqp runner.run #1', 'duplicate amqp runner.run #1']);
  });
});
